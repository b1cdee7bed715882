/// Every PromQL the Prometheus source sends, from fixed templates. Only numbers the program
/// computes and the fixed job name are put in; nothing a user typed reaches PromQL.
public struct PrometheusQueries: Sendable, Equatable {
    public var job: String
    public var idleWindowSeconds: Int
    public var idleRatio: Double
    /// Samples the idle window must hold before "idle for the whole window" is believed.
    public var minimumIdleSamples: Int

    public init(job: String = "gpucluster-agent", idleWindowSeconds: Int, idleRatio: Double, scrapeIntervalSeconds: Int) {
        precondition(job.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "job name is a fixed identifier")
        self.job = job
        self.idleWindowSeconds = max(60, idleWindowSeconds)
        self.idleRatio = idleRatio
        minimumIdleSamples = max(1, Int(Double(self.idleWindowSeconds) / Double(max(1, scrapeIntervalSeconds)) * 0.8))
    }

    var sel: String { "{job=\"\(job)\"}" }

    public var up: String { "up\(sel)" }
    public var backendUp: String { "gpucluster_gpu_backend_up\(sel)" }
    public var lastCollection: String { "gpucluster_agent_last_collection_timestamp_seconds\(sel)" }
    public var expected: String { "gpucluster_gpus_expected\(sel)" }
    public var info: String { "gpucluster_gpu_info\(sel)" }
    public var gpuUp: String { "gpucluster_gpu_up\(sel)" }
    public var memoryUsed: String { "gpucluster_gpu_memory_used_bytes\(sel)" }
    public var memoryTotal: String { "gpucluster_gpu_memory_total_bytes\(sel)" }
    public var utilization: String { "gpucluster_gpu_utilization_ratio\(sel)" }
    public var temperature: String { "gpucluster_gpu_temperature_celsius\(sel)" }
    public var processes: String { "gpucluster_gpu_processes\(sel)" }
    public var userProcesses: String { "gpucluster_gpu_user_processes\(sel)" }
    public var remapFailed: String { "gpucluster_gpu_remapped_rows_failed\(sel) > 0" }
    public var remapPending: String { "gpucluster_gpu_remapped_rows_pending\(sel) > 0" }
    public var fatalXIDs: String {
        "gpucluster_gpu_xid_errors_total{job=\"\(job)\",xid=~\"48|63|64|74|79|92|94|95\"} > 0"
    }
    /// Held (processes all window), utilization never above the threshold, and enough samples.
    public var idleHeld: String {
        let w = "[\(idleWindowSeconds)s]"
        return "(max_over_time(gpucluster_gpu_utilization_ratio\(sel)\(w)) <= \(idleRatio))"
            + " and (min_over_time(gpucluster_gpu_processes\(sel)\(w)) > 0)"
            + " and (count_over_time(gpucluster_gpu_utilization_ratio\(sel)\(w)) >= \(minimumIdleSamples))"
    }

    public var all: [String] {
        [up, backendUp, lastCollection, expected, info, gpuUp, memoryUsed, memoryTotal, utilization,
         temperature, processes, userProcesses, remapFailed, remapPending, fatalXIDs, idleHeld]
    }
}
