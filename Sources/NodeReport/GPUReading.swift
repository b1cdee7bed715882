/// What one collection cycle learned about a node's GPUs, whatever backend read it.
/// Values a GPU or driver does not report are nil, never zero.
public struct GPUReading: Sendable, Codable, Equatable {
    public var index: Int
    public var uuid: String
    public var name: String
    /// false when the GPU fell off the bus (NVML_ERROR_GPU_IS_LOST) or vanished from the count.
    public var up: Bool
    public var error: String?
    public var memoryTotalBytes: UInt64?
    public var memoryUsedBytes: UInt64?
    public var memoryReservedBytes: UInt64?
    /// Percent, 0–100, as NVML reports it (the exporter converts to a 0–1 ratio).
    public var utilizationGPU: Double?
    public var utilizationMemory: Double?
    public var temperatureCelsius: Double?
    public var fanPercent: Double?
    public var powerWatts: Double?
    public var powerLimitWatts: Double?
    public var clocksMHz: [String: Double]
    public var maxClocksMHz: [String: Double]
    public var eccCorrected: UInt64?
    public var eccUncorrected: UInt64?
    public var remappedRows: RemappedRows?
    /// NVML clocks-event (throttle) reason bits.
    public var throttleReasons: UInt64?
    public var performanceState: Int?
    public var migEnabled: Bool?
    /// NVML's persistence mode (nil where the backend does not say).
    public var persistenceMode: Bool?
    public var migDevices: [MIGDevice]
    public var processes: [GPUProcess]

    public init(index: Int, uuid: String, name: String, up: Bool = true) {
        self.index = index
        self.uuid = uuid
        self.name = name
        self.up = up
        clocksMHz = [:]
        maxClocksMHz = [:]
        migDevices = []
        processes = []
    }
}

public struct RemappedRows: Sendable, Codable, Equatable {
    public var correctable: Int
    public var uncorrectable: Int
    public var pending: Bool
    public var failed: Bool
    public init(correctable: Int, uncorrectable: Int, pending: Bool, failed: Bool) {
        self.correctable = correctable; self.uncorrectable = uncorrectable; self.pending = pending; self.failed = failed
    }
}

public struct MIGDevice: Sendable, Codable, Equatable {
    public var index: Int
    public var uuid: String
    public var name: String
    public var gpuInstanceID: Int?
    public var computeInstanceID: Int?
    public var memoryTotalBytes: UInt64?
    public var memoryUsedBytes: UInt64?
    public init(index: Int, uuid: String, name: String) { self.index = index; self.uuid = uuid; self.name = name }
}

public struct GPUProcess: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case compute, graphics }
    /// Host PID (NVML reports host PIDs, also for processes in containers).
    public var pid: Int32
    public var usedMemoryBytes: UInt64?
    public var kind: Kind
    public var gpuInstanceID: Int?
    public var computeInstanceID: Int?
    /// Set by readers that know it (nvidia-smi); the agent resolves names from /proc.
    public var processName: String?
    public init(pid: Int32, usedMemoryBytes: UInt64?, kind: Kind = .compute) {
        self.pid = pid; self.usedMemoryBytes = usedMemoryBytes; self.kind = kind
    }
}

/// One XID (GPU error code) seen through NVML events.
public struct XIDKey: Sendable, Codable, Hashable {
    public var uuid: String
    public var index: Int
    public var xid: UInt64
    public init(uuid: String, index: Int, xid: UInt64) { self.uuid = uuid; self.index = index; self.xid = xid }
}

public struct GPUCollection: Sendable, Codable, Equatable {
    /// "nvml", "nvidia-smi" or "none".
    public var backend: String
    /// false when the backend could not answer at all this cycle (no driver, timeout, …).
    public var backendUp: Bool
    public var driverVersion: String?
    public var cudaVersion: String?
    public var gpus: [GPUReading]
    public var error: String?
    /// Running totals since the agent started (a counter, not a last value).
    public var xidCounts: [XIDKey: UInt64]
    /// The driver stack's health (NVML's answer, then the agent's `driver` collector).
    public var driver: DriverHealth?

    public init(backend: String, backendUp: Bool, driverVersion: String? = nil, cudaVersion: String? = nil,
                gpus: [GPUReading] = [], error: String? = nil, xidCounts: [XIDKey: UInt64] = [:]) {
        self.backend = backend; self.backendUp = backendUp; self.driverVersion = driverVersion
        self.cudaVersion = cudaVersion; self.gpus = gpus; self.error = error; self.xidCounts = xidCounts
    }
}

/// Throttle reason bits from nvml.h, with the names the exporter uses as label values.
public enum ThrottleReason {
    public static let all: [(bit: UInt64, name: String)] = [
        (0x1, "gpu_idle"), (0x2, "applications_clocks_setting"), (0x4, "sw_power_cap"),
        (0x8, "hw_slowdown"), (0x10, "sync_boost"), (0x20, "sw_thermal_slowdown"),
        (0x40, "hw_thermal_slowdown"), (0x80, "hw_power_brake_slowdown"), (0x100, "display_clock_setting"),
    ]
}
