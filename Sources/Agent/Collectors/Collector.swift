import NodeReport
/// One source of node facts. `collect` runs on the agent's interval (never per scrape) and
/// fills its part of the snapshot; `export` turns that part into metric families.
/// Adding a metric family is adding a collector file and listing it in `Collectors.standard`.
public protocol Collector: Sendable {
    var name: String { get }
    func collect(_ snapshot: inout NodeSnapshot)
    func export(_ snapshot: NodeSnapshot, _ out: inout MetricSet)
}

public enum Collectors {
    /// The order matters: processes are attributed after the GPUs are read.
    public static func standard(_ config: AgentConfig) -> [any Collector] {
        [
            GPUCollector(backend: config.gpuBackend),
            DriverCollector(moduleVersionFile: config.driverVersionFile, fabricManagerExpected: config.fabricManager, procRoot: config.procRoot),
            GPUProcessCollector(inspector: ProcessInspector(procRoot: config.procRoot), passwdFile: config.passwdFile),
            SmartCollector(smartctl: config.smartctlPath, interval: config.smartInterval),
            BackupCollector(statePath: config.backupStatePath),
            HostCollector(procRoot: config.procRoot),
            UpdatesCollector(statePath: config.updatesStatePath),
            MaintenanceCollector(statePath: config.maintenanceStatePath),
            AgentSelfCollector(),
        ]
    }
}
