import NodeReport
/// The backup job's state file (only on hosts that run backups).
public struct BackupCollector: Collector {
    public let statePath: String?
    public var name: String { "backup" }

    public func collect(_ s: inout NodeSnapshot) {
        guard let statePath else { return }
        switch BackupStatus.read(path: statePath) {
        case .success(let b): s.backup = b
        case .failure(let e): s.backupError = e.message
        }
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        guard statePath != nil else { return }
        m.add(Metric.backupStateReadable, [], s.backup == nil ? 0 : 1)
        guard let b = s.backup else { return }
        func put(_ family: MetricFamily, _ v: Double?) { if let v { m.add(family, [], v) } }
        put(Metric.backupLastRunStartTimestampSeconds, b.lastRunStart)
        put(Metric.backupLastRunEndTimestampSeconds, b.lastRunEnd)
        put(Metric.backupLastSuccessTimestampSeconds, b.lastSuccess)
        put(Metric.backupLastExitCode, b.exitCode.map { Double($0) })
        put(Metric.backupLastVerifyTimestampSeconds, b.lastVerify)
        put(Metric.backupVerifyOk, b.verifyOK.map { $0 ? 1 : 0 })
        put(Metric.backupVerifyMismatches, b.verifyMismatches.map { Double($0) })
        put(Metric.backupLastBytes, b.bytesTransferred)
        put(Metric.backupSnapshots, b.snapshots.map { Double($0) })
    }
}
