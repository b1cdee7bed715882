import NodeReport
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
    public var backendUp: String { "\(Metric.gpuBackendUp.name)\(sel)" }
    public var lastCollection: String { "\(Metric.agentLastCollectionTimestampSeconds.name)\(sel)" }
    public var expected: String { "\(Metric.gpusExpected.name)\(sel)" }
    public var info: String { "\(Metric.gpuInfo.name)\(sel)" }
    public var gpuUp: String { "\(Metric.gpuUp.name)\(sel)" }
    public var memoryUsed: String { "\(Metric.gpuMemoryUsedBytes.name)\(sel)" }
    public var memoryTotal: String { "\(Metric.gpuMemoryTotalBytes.name)\(sel)" }
    public var utilization: String { "\(Metric.gpuUtilizationRatio.name)\(sel)" }
    public var temperature: String { "\(Metric.gpuTemperatureCelsius.name)\(sel)" }
    public var processes: String { "\(Metric.gpuProcesses.name)\(sel)" }
    public var userProcesses: String { "\(Metric.gpuUserProcesses.name)\(sel)" }
    public var remapFailed: String { "\(Metric.gpuRemappedRowsFailed.name)\(sel) > 0" }
    public var remapPending: String { "\(Metric.gpuRemappedRowsPending.name)\(sel) > 0" }
    public var maintenance: String { "\(Metric.maintenanceStartTimestampSeconds.name)\(sel)" }
    public var driverProblems: String { "\(Metric.gpuDriverProblem.name)\(sel) > 0" }
    public var fatalXIDs: String {
        "\(Metric.gpuXidErrorsTotal.name){job=\"\(job)\",xid=~\"\(FatalXID.promQLPattern)\"} > 0"
    }
    /// Held (processes all window), utilization never above the threshold, and enough samples.
    public var idleHeld: String {
        let w = "[\(idleWindowSeconds)s]"
        return "(max_over_time(\(Metric.gpuUtilizationRatio.name)\(sel)\(w)) <= \(idleRatio))"
            + " and (min_over_time(\(Metric.gpuProcesses.name)\(sel)\(w)) > 0)"
            + " and (count_over_time(\(Metric.gpuUtilizationRatio.name)\(sel)\(w)) >= \(minimumIdleSamples))"
    }

    public var all: [String] {
        [up, backendUp, lastCollection, expected, info, gpuUp, memoryUsed, memoryTotal, utilization,
         temperature, processes, userProcesses, remapFailed, remapPending, fatalXIDs, idleHeld, driverProblems, maintenance]
    }
}
