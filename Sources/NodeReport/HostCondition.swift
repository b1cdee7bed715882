/// The host's own condition beside its GPUs (the agent's `host` collector): load, memory and
/// the root filesystem. For the dashboard's node page; Prometheus reads the same from the node
/// exporter, so none of it is a metric family of the agent's.
public struct HostCondition: Sendable, Codable, Equatable {
    public var cpus: Int?
    public var load1: Double?
    public var memoryTotalBytes: UInt64?
    public var memoryAvailableBytes: UInt64?
    public var rootTotalBytes: UInt64?
    public var rootAvailableBytes: UInt64?
    /// Pending updates and reboot status (the agent's `updates` collector).
    public var updates: UpdatesStatus?

    public init(cpus: Int? = nil, load1: Double? = nil, memoryTotalBytes: UInt64? = nil, memoryAvailableBytes: UInt64? = nil,
                rootTotalBytes: UInt64? = nil, rootAvailableBytes: UInt64? = nil) {
        self.cpus = cpus; self.load1 = load1; self.memoryTotalBytes = memoryTotalBytes; self.memoryAvailableBytes = memoryAvailableBytes
        self.rootTotalBytes = rootTotalBytes; self.rootAvailableBytes = rootAvailableBytes
    }
}
