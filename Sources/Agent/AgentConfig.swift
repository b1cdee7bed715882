import HostSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GPU

public enum AgentVersion {
    public static let string = "0.1.0"
}

public struct AgentConfig: Sendable {
    public var gpuBackend: any GPUBackend
    public var interval: Duration = .seconds(5)
    public var procRoot = "/proc"
    public var smartctlPath: String?
    public var smartInterval: Duration = .seconds(600)
    public var backupStatePath: String?
    /// The updates check's state file (nil: not read).
    public var updatesStatePath: String?
    /// The maintenance state file `gpucluster upgrade` writes (nil: not read).
    public var maintenanceStatePath: String?
    public var expectedGPUs: Int?
    public var hostname: String = ProcessInfo.processInfo.hostName
    /// A passwd-format file consulted before the system's user database (demo and lab nodes
    /// whose users exist only in the spec).
    public var passwdFile: String?
    /// Where the NVIDIA kernel module says its version (the lab's simulated GPUs have their own).
    public var driverVersionFile = DriverHealth.moduleVersionFile
    /// An NVSwitch system: the fabric manager must run.
    public var fabricManager = false

    public init(gpuBackend: any GPUBackend) { self.gpuBackend = gpuBackend }
}

/// NVML when it loads; else nvidia-smi when it is installed; else no GPU backend (and say why).
public enum GPUBackendChoice {
    public static func choose(nvmlPath: String = "libnvidia-ml.so.1", nvidiaSMI: String = "nvidia-smi",
                              smiTimeout: Duration = .seconds(5)) -> any GPUBackend {
        switch NVMLBackend.load(path: nvmlPath) {
        case .success(let b): return b
        case .failure(let e):
            if let smi = CommandRunner.which(nvidiaSMI) { return NvidiaSMIBackend(path: smi, timeout: smiTimeout) }
            return NoGPUBackend(reason: "\(e.message); nvidia-smi not found")
        }
    }
}
