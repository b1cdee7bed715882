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
        m.add("gpucluster_backup_state_readable", .gauge, "1 when the backup state file could be read.", [], s.backup == nil ? 0 : 1)
        guard let b = s.backup else { return }
        func put(_ name: String, _ help: String, _ v: Double?) { if let v { m.add(name, .gauge, help, [], v) } }
        put("gpucluster_backup_last_run_start_timestamp_seconds", "When the last backup run started.", b.lastRunStart)
        put("gpucluster_backup_last_run_end_timestamp_seconds", "When the last backup run ended.", b.lastRunEnd)
        put("gpucluster_backup_last_success_timestamp_seconds", "When a backup last succeeded.", b.lastSuccess)
        put("gpucluster_backup_last_exit_code", "rsync exit code of the last run.", b.exitCode.map { Double($0) })
        put("gpucluster_backup_last_verify_timestamp_seconds", "When the backup was last verified.", b.lastVerify)
        put("gpucluster_backup_verify_ok", "1 when the last verification found no differences.", b.verifyOK.map { $0 ? 1 : 0 })
        put("gpucluster_backup_verify_mismatches", "Files that differed at the last verification.", b.verifyMismatches.map { Double($0) })
        put("gpucluster_backup_last_bytes", "Bytes transferred by the last run.", b.bytesTransferred)
        put("gpucluster_backup_snapshots", "Snapshots kept.", b.snapshots.map { Double($0) })
    }
}
