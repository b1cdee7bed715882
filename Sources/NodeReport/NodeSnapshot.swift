/// Everything one collection cycle learned about this node. `/api/v1/node` is this as JSON;
/// `/metrics` is derived from it. Per-process detail lives only here (bounded metrics).
public struct NodeSnapshot: Sendable, Codable {
    public var hostname: String
    public var agentVersion: String
    public var collectedAt: Double
    public var expectedGPUs: Int?
    public var gpu: GPUCollection
    public var processes: [GPUProcessInfo] = []
    public var disks: [DiskHealth] = []
    public var smartError: String?
    public var backup: BackupStatus?
    public var backupError: String?
    public var collectors: [CollectorRun] = []
    public var host: HostCondition?
    /// Taken out of service on purpose (an upgrade under way), from the maintenance state file.
    public var maintenance: Maintenance?

    public init(hostname: String, agentVersion: String, collectedAt: Double, expectedGPUs: Int?) {
        self.hostname = hostname
        self.agentVersion = agentVersion
        self.collectedAt = collectedAt
        self.expectedGPUs = expectedGPUs
        gpu = GPUCollection(backend: "none", backendUp: false)
    }
}

/// A GPU process, attributed to a user and a job.
public struct GPUProcessInfo: Sendable, Codable, Equatable {
    public var pid: Int32
    public var gpuIndex: Int
    public var gpuUUID: String
    public var usedMemoryBytes: UInt64?
    public var kind: String
    public var uid: UInt32?
    public var user: String
    public var command: String
    public var startTime: Double?
    public var job: JobRef

    public init(pid: Int32, gpuIndex: Int, gpuUUID: String, usedMemoryBytes: UInt64?, kind: String, uid: UInt32?,
                user: String, command: String, startTime: Double?, job: JobRef) {
        self.pid = pid; self.gpuIndex = gpuIndex; self.gpuUUID = gpuUUID; self.usedMemoryBytes = usedMemoryBytes
        self.kind = kind; self.uid = uid; self.user = user; self.command = command; self.startTime = startTime; self.job = job
    }
}

public struct JobRef: Sendable, Codable, Equatable, Hashable {
    public enum Kind: String, Sendable, Codable { case slurm, container, process }
    public var kind: Kind
    /// Slurm job id, container id (12 hex digits), or the pid for a plain process.
    public var id: String
    /// docker / containerd / podman / kubernetes for containers.
    public var runtime: String?

    public init(kind: Kind, id: String, runtime: String?) { self.kind = kind; self.id = id; self.runtime = runtime }
}

public struct CollectorRun: Sendable, Codable {
    public var name: String
    public var seconds: Double
    public var error: String?

    public init(name: String, seconds: Double, error: String?) { self.name = name; self.seconds = seconds; self.error = error }
}
