import NodeReport
/// What a source (an agent's report, or Prometheus) says about one node, before the
/// free / busy / idle-held decision. Both sources produce this, so both classify the same.
public struct NodeObservation: Sendable, Equatable {
    public var name: String
    public var expectedGPUs: Int?
    public var tags: [String]
    /// false when the agent could not be reached or answered garbage.
    public var reachable: Bool
    public var problem: String?
    public var lastSeen: Double?
    public var downSince: Double?
    public var backend: String?
    public var backendUp: Bool
    public var backendError: String?
    public var driverVersion: String?
    /// The GPUs of the last good report (kept while the node is down, so its cells stay).
    public var gpus: [GPUObservation]
    /// Values of the report that were out of range and ignored (`bounded(now:)`), shown on the node.
    public var dataProblem: String?
    /// Load, memory and root filesystem, when the agent reports them.
    public var host: HostCondition?
    /// On the backup server: when a backup last succeeded (Unix s).
    public var backupLastSuccess: Double?
    /// The driver stack's health, when the agent reports it.
    public var driver: DriverHealth?
    /// Taken out of service on purpose; kept from the last good report while unreachable (an
    /// upgrade reboots the host), so the node shows as in maintenance rather than down.
    public var maintenance: Maintenance?

    public init(name: String, expectedGPUs: Int? = nil, tags: [String] = [], reachable: Bool, problem: String? = nil,
                lastSeen: Double? = nil, downSince: Double? = nil, backend: String? = nil, backendUp: Bool = true,
                backendError: String? = nil, driverVersion: String? = nil, gpus: [GPUObservation] = []) {
        self.name = name; self.expectedGPUs = expectedGPUs; self.tags = tags; self.reachable = reachable
        self.problem = problem; self.lastSeen = lastSeen; self.downSince = downSince; self.backend = backend
        self.backendUp = backendUp; self.backendError = backendError; self.driverVersion = driverVersion; self.gpus = gpus
    }
}

public struct GPUObservation: Sendable, Equatable {
    public var index: Int
    public var uuid: String
    public var name: String
    public var up: Bool
    public var error: String?
    public var memoryUsedBytes: UInt64?
    public var memoryTotalBytes: UInt64?
    /// Percent 0–100.
    public var utilization: Double?
    public var temperatureCelsius: Double?
    /// Compute processes on the GPU. Prometheus knows counts and users but not pids, so
    /// `processes` may be empty while `processCount` is not.
    public var processCount: Int
    public var processes: [ProcessView]
    public var users: [String]
    public var jobs: [String]
    /// Set when the GPU is reachable but unfit for new work.
    public var healthProblem: String?
    /// When the source itself knows whether utilization stayed low over the idle window
    /// (Prometheus: `max_over_time`); nil → the builder tracks it across rounds.
    public var idleForWindow: Bool?

    public init(index: Int, uuid: String, name: String, up: Bool = true, error: String? = nil,
                memoryUsedBytes: UInt64? = nil, memoryTotalBytes: UInt64? = nil, utilization: Double? = nil,
                temperatureCelsius: Double? = nil, processCount: Int = 0, processes: [ProcessView] = [],
                users: [String] = [], jobs: [String] = [], healthProblem: String? = nil, idleForWindow: Bool? = nil) {
        self.index = index; self.uuid = uuid; self.name = name; self.up = up; self.error = error
        self.memoryUsedBytes = memoryUsedBytes; self.memoryTotalBytes = memoryTotalBytes; self.utilization = utilization
        self.temperatureCelsius = temperatureCelsius; self.processCount = processCount; self.processes = processes
        self.users = users; self.jobs = jobs; self.healthProblem = healthProblem; self.idleForWindow = idleForWindow
    }
}
