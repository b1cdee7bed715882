import NodeReport
/// The cluster as the dashboard, `status` and the JSON API show it: one entry per node of
/// the spec, one per GPU, each GPU in exactly one state. Keyed by GPU UUID; index shown.
public struct ClusterSnapshot: Sendable, Codable, Equatable {
    /// Increases with every collection round (the page's live updates compare it).
    public var generation: Int
    /// Unix seconds when the round finished.
    public var takenAt: Double
    /// "embedded" or "prometheus".
    public var source: String
    /// Set when the source itself failed (Prometheus down): the nodes are the last good answer.
    public var sourceError: String?
    public var policy: FreePolicy
    public var totals: Totals
    public var slots: [Slot]
    public var nodes: [NodeView]

    public init(generation: Int, takenAt: Double, source: String, sourceError: String? = nil,
                policy: FreePolicy, nodes: [NodeView]) {
        self.generation = generation
        self.takenAt = takenAt
        self.source = source
        self.sourceError = sourceError
        self.policy = policy
        self.nodes = nodes
        totals = Totals(nodes: nodes)
        slots = Slot.compute(nodes: nodes)
    }

    public static func empty(source: String, policy: FreePolicy) -> ClusterSnapshot {
        ClusterSnapshot(generation: 0, takenAt: 0, source: source, policy: policy, nodes: [])
    }

    public var gpus: [GPUView] { nodes.flatMap(\.gpus) }
}

public enum GPUState: String, Sendable, Codable, CaseIterable, Comparable {
    case free
    case busy
    /// Has processes, but utilization stayed low for the idle window: someone holds it idle.
    case idleHeld = "idle-held"
    /// The host is taken out of service on purpose (an upgrade): not free, not broken.
    case maintenance
    /// Host down, agent unreachable, GPU lost or missing.
    case down
    /// Reachable but not fit for new work (uncorrectable memory errors, fatal XIDs, rows to remap).
    case unhealthy

    var rank: Int {
        switch self { case .free: 0; case .busy: 1; case .idleHeld: 2; case .maintenance: 3; case .down: 4; case .unhealthy: 5 }
    }

    public static func < (a: GPUState, b: GPUState) -> Bool { a.rank < b.rank }
}

public struct Totals: Sendable, Codable, Equatable {
    public var nodes = 0
    public var nodesUp = 0
    public var gpus = 0
    public var free = 0
    public var busy = 0
    public var idleHeld = 0
    public var maintenance = 0
    public var down = 0
    public var unhealthy = 0

    public init(nodes list: [NodeView]) {
        nodes = list.count
        nodesUp = list.filter(\.up).count
        for g in list.flatMap(\.gpus) {
            gpus += 1
            switch g.state {
            case .free: free += 1
            case .busy: busy += 1
            case .idleHeld: idleHeld += 1
            case .maintenance: maintenance += 1
            case .down: down += 1
            case .unhealthy: unhealthy += 1
            }
        }
    }
}

/// "k free GPUs on one node": where a k-GPU job can start now.
public struct Slot: Sendable, Codable, Equatable {
    public var gpus: Int
    public var nodes: [String]

    /// For k = 1, 2, 4, 8 (and the largest node size), the nodes with at least k free GPUs.
    public static func compute(nodes: [NodeView]) -> [Slot] {
        let largest = nodes.map(\.gpus.count).max() ?? 0
        var sizes = [1, 2, 4, 8].filter { $0 <= largest }
        if largest > 8 { sizes.append(largest) }
        return sizes.map { k in
            Slot(gpus: k, nodes: nodes.filter { $0.up && $0.freeCount >= k }.map(\.name))
        }
    }
}

public struct NodeView: Sendable, Codable, Equatable {
    public var name: String
    public var up: Bool
    /// Why the node is down or degraded ("timed out after 2 s", "HTTP 500", "no GPU backend: …").
    public var problem: String?
    /// Unix seconds of the last good report, and since when it has been down.
    public var lastSeen: Double?
    public var downSince: Double?
    public var expectedGPUs: Int?
    public var backend: String?
    public var driverVersion: String?
    public var tags: [String]
    public var gpus: [GPUView]
    /// The host beside its GPUs (load, memory, root filesystem), from the agent's report.
    public var host: HostCondition?
    /// On the backup server: when a backup last succeeded (Unix s).
    public var backupLastSuccess: Double?
    /// The NVIDIA driver stack's health (a version mismatch needs a reboot).
    public var driver: DriverHealth?
    /// Taken out of service on purpose (an upgrade), also while it reboots.
    public var maintenance: Maintenance?

    /// Needs a reboot: new kernel or libraries (the updates check), or a driver whose loaded
    /// module is older than its library.
    public var needsReboot: Bool { up && (host?.updates?.rebootRequired == true || driver?.needsReboot == true) }
    /// Why, in words ("needs reboot: driver 550.54.14 loaded, 550.90.07 installed").
    public var rebootReason: String? {
        if driver?.needsReboot == true { return driver?.summary }
        return host?.updates?.summary
    }

    public init(name: String, up: Bool, problem: String? = nil, lastSeen: Double? = nil, downSince: Double? = nil,
                expectedGPUs: Int? = nil, backend: String? = nil, driverVersion: String? = nil, tags: [String] = [], gpus: [GPUView] = []) {
        self.name = name; self.up = up; self.problem = problem; self.lastSeen = lastSeen; self.downSince = downSince
        self.expectedGPUs = expectedGPUs; self.backend = backend; self.driverVersion = driverVersion; self.tags = tags; self.gpus = gpus
    }

    public var freeCount: Int { gpus.filter { $0.state == .free }.count }
}

public struct GPUView: Sendable, Codable, Equatable {
    public var node: String
    public var index: Int
    public var uuid: String
    public var name: String
    public var state: GPUState
    /// Why down / unhealthy / idle-held, in words.
    public var reason: String?
    public var memoryUsedBytes: UInt64?
    public var memoryTotalBytes: UInt64?
    /// Percent 0–100.
    public var utilization: Double?
    public var temperatureCelsius: Double?
    public var users: [String]
    public var jobs: [String]
    public var processes: [ProcessView]
    /// Since when utilization has been at or under the idle threshold while held (Unix s).
    public var idleSince: Double?

    public init(node: String, index: Int, uuid: String, name: String, state: GPUState, reason: String? = nil,
                memoryUsedBytes: UInt64? = nil, memoryTotalBytes: UInt64? = nil, utilization: Double? = nil,
                temperatureCelsius: Double? = nil, users: [String] = [], jobs: [String] = [],
                processes: [ProcessView] = [], idleSince: Double? = nil) {
        self.node = node; self.index = index; self.uuid = uuid; self.name = name; self.state = state; self.reason = reason
        self.memoryUsedBytes = memoryUsedBytes; self.memoryTotalBytes = memoryTotalBytes; self.utilization = utilization
        self.temperatureCelsius = temperatureCelsius; self.users = users; self.jobs = jobs; self.processes = processes
        self.idleSince = idleSince
    }
}

public struct ProcessView: Sendable, Codable, Equatable {
    public var pid: Int32
    public var user: String
    public var command: String
    public var memoryBytes: UInt64?
    /// "slurm 1234", "docker 0123456789ab", "process 4242".
    public var job: String
    public var startTime: Double?

    public init(pid: Int32, user: String, command: String, memoryBytes: UInt64?, job: String, startTime: Double?) {
        self.pid = pid; self.user = user; self.command = command; self.memoryBytes = memoryBytes; self.job = job; self.startTime = startTime
    }
}

extension ClusterSnapshot {
    /// The snapshot as a public network sees it: every GPU's state and who holds it, but no
    /// pids, command lines or job names (those stay on the cluster's own networks).
    public func withoutProcessDetail() -> ClusterSnapshot {
        var s = self
        for i in s.nodes.indices {
            for j in s.nodes[i].gpus.indices {
                s.nodes[i].gpus[j].processes = []
                s.nodes[i].gpus[j].jobs = []
            }
        }
        return s
    }
}
