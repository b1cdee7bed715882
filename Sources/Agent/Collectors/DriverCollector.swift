import NodeReport
import HostSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The driver stack's health beside the GPU readings: NVML's own verdict (a version mismatch
/// or no module, from the GPU collector), the loaded module's version, persistence mode per
/// GPU, and on NVSwitch systems whether the fabric manager runs. Hosts without an NVIDIA
/// library (backend "none") report nothing: no driver there is not a problem.
public struct DriverCollector: Collector {
    public let moduleVersionFile: String
    public let fabricManagerExpected: Bool
    public let procRoot: String
    public var name: String { "driver" }

    /// The fabric manager's process name (`comm`).
    static let fabricManagerProcess = "nv-fabricmanager"

    public func collect(_ s: inout NodeSnapshot) {
        guard s.gpu.backend != "none" else { return }
        var d = s.gpu.driver ?? DriverHealth()
        if case .success(let data) = SmallFile.read(moduleVersionFile, max: 4096) {
            d.loadedVersion = DriverHealth.moduleVersion(fromProcText: String(decoding: data, as: UTF8.self))
        }
        d.persistenceOffGPUs = s.gpu.gpus.filter { $0.up && $0.persistenceMode == false }.map(\.index)
        if !d.persistenceOffGPUs.isEmpty { d.problems.append(.persistenceOff) }
        d.fabricManagerExpected = fabricManagerExpected
        if fabricManagerExpected, s.gpu.backendUp, !processRunning(Self.fabricManagerProcess) { d.problems.append(.fabricManagerDown) }
        s.gpu.driver = d
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.declare(Metric.gpuDriverProblem)
        guard let d = s.gpu.driver else { return }
        for p in d.problems {
            m.add(Metric.gpuDriverProblem, [("reason", p.rawValue), ("loaded_version", d.loadedVersion ?? ""),
                                           ("library_version", d.libraryVersion ?? "")], 1)
        }
    }

    /// Whether a process of that name runs (`/proc/PID/comm`); bounded to 100,000 entries.
    func processRunning(_ comm: String) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return false }
        for e in entries.prefix(100_000) where e.utf8.allSatisfy({ (48...57).contains($0) }) {
            if let text = SmallFile.text("\(procRoot)/\(e)/comm", max: 64), text.split(separator: "\n").first.map(String.init) == comm { return true }
        }
        return false
    }
}
