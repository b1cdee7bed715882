import NodeReport

/// The part of an agent's `/api/v1/node` (`Agent.NodeSnapshot`) the dashboard reads. Decoding
/// only these fields is most of a collection round's CPU saved at 1,000 nodes (clocks, MIG,
/// disks and the rest are skipped, not decoded).
public struct AgentReport: Decodable, Sendable {
    public var expectedGPUs: Int?
    public var gpu: GPUs
    public var processes: [GPUProcessInfo]
    public var host: HostCondition?
    /// Taken out of service on purpose (`gpucluster upgrade`).
    public var maintenance: Maintenance?
    /// On the backup server: when a backup last succeeded (the rest of its state is not read).
    public var backup: Backup?

    public struct Backup: Decodable, Sendable {
        public var lastSuccess: Double?
    }

    public struct GPUs: Decodable, Sendable {
        public var backend: String
        public var backendUp: Bool
        public var driverVersion: String?
        public var error: String?
        public var gpus: [GPU]
        public var xidCounts: [XIDKey: UInt64]?
        public var driver: DriverHealth?
    }

    public struct GPU: Decodable, Sendable {
        public var index: Int
        public var uuid: String
        public var name: String
        public var up: Bool
        public var error: String?
        public var memoryTotalBytes: UInt64?
        public var memoryUsedBytes: UInt64?
        public var utilizationGPU: Double?
        public var temperatureCelsius: Double?
        public var eccUncorrected: UInt64?
        public var remappedRows: RemappedRows?
        public var processes: [Proc]
    }

    public struct Proc: Decodable, Sendable {
        public var pid: Int32
        public var kind: GPUProcess.Kind
    }
}

extension NodeObservation {
    /// A node as its agent's report describes it.
    public init(name: String, expectedGPUs: Int?, tags: [String], report: AgentReport, lastSeen: Double) {
        var byGPU: [String: [GPUProcessInfo]] = [:]
        for p in report.processes { byGPU[p.gpuUUID, default: []].append(p) }
        let gpus = report.gpu.gpus.map { g -> GPUObservation in
            let procs = (byGPU[g.uuid] ?? []).filter { $0.kind == "compute" }
            let views = procs.map { p in
                ProcessView(pid: p.pid, user: p.user, command: p.command, memoryBytes: p.usedMemoryBytes,
                            job: p.job.kind == .process ? "process \(p.job.id)" : "\(p.job.runtime ?? p.job.kind.rawValue) \(p.job.id)",
                            startTime: p.startTime)
            }
            // A process NVML lists but /proc could not attribute still holds the GPU.
            let count = max(procs.count, g.processes.filter { $0.kind == .compute }.count)
            return GPUObservation(
                index: g.index, uuid: g.uuid, name: g.name, up: g.up, error: g.error,
                memoryUsedBytes: g.memoryUsedBytes, memoryTotalBytes: g.memoryTotalBytes,
                utilization: g.utilizationGPU, temperatureCelsius: g.temperatureCelsius,
                processCount: count, processes: views,
                users: Array(Set(views.map(\.user))).sorted(), jobs: Array(Set(views.map(\.job))).sorted(),
                healthProblem: Self.healthProblem(g, xids: report.gpu.xidCounts ?? [:]))
        }
        self.init(name: name, expectedGPUs: expectedGPUs ?? report.expectedGPUs, tags: tags, reachable: true,
                  lastSeen: lastSeen, backend: report.gpu.backend, backendUp: report.gpu.backendUp,
                  backendError: report.gpu.error, driverVersion: report.gpu.driverVersion, gpus: gpus)
        host = report.host
        maintenance = report.maintenance
        driver = report.gpu.driver
        backupLastSuccess = report.backup?.lastSuccess
    }

    static func healthProblem(_ g: AgentReport.GPU, xids: [XIDKey: UInt64]) -> String? {
        var problems: [String] = []
        if let r = g.remappedRows {
            if r.failed { problems.append("row remapping failed") }
            if r.pending { problems.append("row remap pending (reset needed)") }
        }
        if let u = g.eccUncorrected, u > 0 { problems.append("\(u) uncorrectable ECC errors") }
        for (key, n) in xids where key.uuid == g.uuid && n > 0 {
            if let what = FatalXID.catalogue[key.xid] { problems.append("XID \(key.xid) (\(what))") }
        }
        if g.up, let e = g.error { problems.append(e) }
        return problems.isEmpty ? nil : problems.sorted().joined(separator: "; ")
    }
}
