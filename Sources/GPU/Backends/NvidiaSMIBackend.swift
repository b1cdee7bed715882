import NodeReport
import HostSystem
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fallback when NVML cannot be loaded but `nvidia-smi` exists: two queries per cycle,
/// each with a hard timeout (nvidia-smi hangs when the driver does).
public struct NvidiaSMIBackend: GPUBackend {
    public var name: String { "nvidia-smi" }
    public let path: String
    public let timeout: Duration

    public init(path: String = "nvidia-smi", timeout: Duration = .seconds(5)) {
        self.path = path
        self.timeout = timeout
    }

    public func collect() -> GPUCollection {
        var c = GPUCollection(backend: name, backendUp: false)
        let gpuArgs = ["--query-gpu=" + QueryCSV.gpuFields.joined(separator: ","), "--format=csv,noheader,nounits"]
        let appArgs = ["--query-compute-apps=" + QueryCSV.appFields.joined(separator: ","), "--format=csv,noheader,nounits"]
        do {
            let g = try CommandRunner.run(path, gpuArgs, timeout: timeout, maxOutputBytes: 1 << 20)
            guard !g.timedOut else { c.error = "\(path) did not answer within \(timeout)"; return c }
            guard g.succeeded else {
                c.error = "\(path) failed (exit \(g.exitCode.map(String.init) ?? "signal")): \(g.stderr.prefix(200))"
                return c
            }
            c.gpus = QueryCSV.parseGPUs(g.stdout, fields: QueryCSV.gpuFields)
            c.driverVersion = QueryCSV.rows(g.stdout, fields: QueryCSV.gpuFields).first?["driver_version"].flatMap(SMIValue.text)
            c.backendUp = true
            let a = try CommandRunner.run(path, appArgs, timeout: timeout, maxOutputBytes: 1 << 20)
            if a.timedOut {
                c.error = "\(path) --query-compute-apps did not answer within \(timeout)"
            } else if a.succeeded {
                for (uuid, p) in QueryCSV.parseApps(a.stdout, fields: QueryCSV.appFields) {
                    if let i = c.gpus.firstIndex(where: { $0.uuid == uuid }) { c.gpus[i].processes.append(p) }
                }
            }
        } catch {
            c.error = "\(error)"
        }
        return c
    }
}
