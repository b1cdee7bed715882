/// A Prometheus metric family the agent exports: the name every consumer (alert rules,
/// Grafana, the Prometheus source, the backup report) queries, its type and its help text.
public struct MetricFamily: Sendable, Hashable {
    public enum Kind: String, Sendable { case gauge, counter }
    public let name: String
    public let kind: Kind
    public let help: String

    init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name; self.kind = kind; self.help = help
    }
}

/// Every family the agent exports, in one place. Collectors export through these constants
/// and PromQL elsewhere is built from them, so a renamed family fails to compile instead of
/// silently matching nothing; `ContractTests` checks rendered rules and Grafana against the
/// names a real collection exports.
public enum Metric {
    // GPUs (GPUCollector)
    public static let gpuBackendUp = MetricFamily("gpucluster_gpu_backend_up", .gauge, "1 when the GPU backend answered this cycle.")
    public static let gpuDriverInfo = MetricFamily("gpucluster_gpu_driver_info", .gauge, "NVIDIA driver version.")
    public static let gpus = MetricFamily("gpucluster_gpus", .gauge, "GPUs the backend lists (up or down).")
    public static let gpusExpected = MetricFamily("gpucluster_gpus_expected", .gauge, "GPUs this host should have (cluster.yaml).")
    public static let gpusMissing = MetricFamily("gpucluster_gpus_missing", .gauge, "Expected GPUs that are not up.")
    public static let gpuUp = MetricFamily("gpucluster_gpu_up", .gauge, "1 when the GPU answers; 0 when lost or gone.")
    public static let gpuInfo = MetricFamily("gpucluster_gpu_info", .gauge, "GPU identity.")
    public static let migDeviceInfo = MetricFamily("gpucluster_mig_device_info", .gauge, "MIG device on a GPU.")
    public static let migMemoryTotalBytes = MetricFamily("gpucluster_mig_memory_total_bytes", .gauge, "MIG device memory.")
    public static let migMemoryUsedBytes = MetricFamily("gpucluster_mig_memory_used_bytes", .gauge, "MIG device memory in use.")
    public static let gpuXidErrorsTotal = MetricFamily("gpucluster_gpu_xid_errors_total", .counter, "XID errors seen through NVML events since the agent started.")
    public static let gpuMemoryTotalBytes = MetricFamily("gpucluster_gpu_memory_total_bytes", .gauge, "GPU memory (framebuffer) in bytes.")
    public static let gpuMemoryUsedBytes = MetricFamily("gpucluster_gpu_memory_used_bytes", .gauge, "GPU memory in use, bytes.")
    public static let gpuMemoryReservedBytes = MetricFamily("gpucluster_gpu_memory_reserved_bytes", .gauge, "GPU memory reserved by the driver, bytes.")
    public static let gpuUtilizationRatio = MetricFamily("gpucluster_gpu_utilization_ratio", .gauge, "GPU busy time over the last sample period, 0-1.")
    public static let gpuMemoryUtilizationRatio = MetricFamily("gpucluster_gpu_memory_utilization_ratio", .gauge, "Memory controller busy time, 0-1.")
    public static let gpuTemperatureCelsius = MetricFamily("gpucluster_gpu_temperature_celsius", .gauge, "GPU core temperature.")
    public static let gpuFanRatio = MetricFamily("gpucluster_gpu_fan_ratio", .gauge, "Fan speed as a fraction of maximum, 0-1.")
    public static let gpuPowerWatts = MetricFamily("gpucluster_gpu_power_watts", .gauge, "Power draw.")
    public static let gpuPowerLimitWatts = MetricFamily("gpucluster_gpu_power_limit_watts", .gauge, "Enforced power limit.")
    public static let gpuClockHertz = MetricFamily("gpucluster_gpu_clock_hertz", .gauge, "Current clock.")
    public static let gpuClockMaxHertz = MetricFamily("gpucluster_gpu_clock_max_hertz", .gauge, "Maximum clock.")
    public static let gpuPerformanceState = MetricFamily("gpucluster_gpu_performance_state", .gauge, "Performance state (0 = P0, fastest).")
    public static let gpuEccErrorsTotal = MetricFamily("gpucluster_gpu_ecc_errors_total", .counter, "ECC errors over the GPU's lifetime (aggregate).")
    public static let gpuRemappedRows = MetricFamily("gpucluster_gpu_remapped_rows", .gauge, "Memory rows remapped.")
    public static let gpuRemappedRowsPending = MetricFamily("gpucluster_gpu_remapped_rows_pending", .gauge, "1 when a row remap waits for a GPU reset.")
    public static let gpuRemappedRowsFailed = MetricFamily("gpucluster_gpu_remapped_rows_failed", .gauge, "1 when a row remap failed.")
    public static let gpuThrottleActive = MetricFamily("gpucluster_gpu_throttle_active", .gauge, "1 when this clock throttle reason is active.")
    public static let gpuProcesses = MetricFamily("gpucluster_gpu_processes", .gauge, "Processes using the GPU.")
    // Per user and job (GPUProcessCollector)
    public static let gpuUserMemoryBytes = MetricFamily("gpucluster_gpu_user_memory_bytes", .gauge, "GPU memory used by a user's processes on a GPU.")
    public static let gpuUserProcesses = MetricFamily("gpucluster_gpu_user_processes", .gauge, "Processes of a user on a GPU.")
    public static let jobGpuMemoryBytes = MetricFamily("gpucluster_job_gpu_memory_bytes", .gauge, "GPU memory used by a job (Slurm job, container or process), all GPUs.")
    public static let jobGpus = MetricFamily("gpucluster_job_gpus", .gauge, "GPUs a job uses.")
    // Disks (SmartCollector)
    public static let smartUp = MetricFamily("gpucluster_smart_up", .gauge, "1 when smartctl could be run.")
    public static let smartDevices = MetricFamily("gpucluster_smart_devices", .gauge, "Disks smartctl found.")
    public static let diskSmartHealthy = MetricFamily("gpucluster_disk_smart_healthy", .gauge, "1 when SMART overall health passed, 0 when it failed.")
    public static let diskTemperatureCelsius = MetricFamily("gpucluster_disk_temperature_celsius", .gauge, "Disk temperature.")
    public static let diskReallocatedSectors = MetricFamily("gpucluster_disk_reallocated_sectors", .gauge, "Reallocated sectors (ATA attribute 5).")
    public static let diskPendingSectors = MetricFamily("gpucluster_disk_pending_sectors", .gauge, "Sectors pending reallocation (ATA attribute 197).")
    public static let diskMediaErrors = MetricFamily("gpucluster_disk_media_errors", .gauge, "Media and data integrity errors (NVMe).")
    public static let diskLastSelftestPassed = MetricFamily("gpucluster_disk_last_selftest_passed", .gauge, "1 when the newest SMART self-test passed.")
    public static let diskLastSelftestAgeHours = MetricFamily("gpucluster_disk_last_selftest_age_hours", .gauge, "Power-on hours since the newest self-test.")
    // Backups (BackupCollector, on the backup server)
    public static let backupStateReadable = MetricFamily("gpucluster_backup_state_readable", .gauge, "1 when the backup state file could be read.")
    public static let backupLastRunStartTimestampSeconds = MetricFamily("gpucluster_backup_last_run_start_timestamp_seconds", .gauge, "When the last backup run started.")
    public static let backupLastRunEndTimestampSeconds = MetricFamily("gpucluster_backup_last_run_end_timestamp_seconds", .gauge, "When the last backup run ended.")
    public static let backupLastSuccessTimestampSeconds = MetricFamily("gpucluster_backup_last_success_timestamp_seconds", .gauge, "When a backup last succeeded.")
    public static let backupLastExitCode = MetricFamily("gpucluster_backup_last_exit_code", .gauge, "rsync exit code of the last run.")
    public static let backupLastVerifyTimestampSeconds = MetricFamily("gpucluster_backup_last_verify_timestamp_seconds", .gauge, "When the backup was last verified.")
    public static let backupVerifyOk = MetricFamily("gpucluster_backup_verify_ok", .gauge, "1 when the last verification found no differences.")
    public static let backupVerifyMismatches = MetricFamily("gpucluster_backup_verify_mismatches", .gauge, "Files that differed at the last verification.")
    public static let backupLastBytes = MetricFamily("gpucluster_backup_last_bytes", .gauge, "Bytes transferred by the last run.")
    public static let backupSnapshots = MetricFamily("gpucluster_backup_snapshots", .gauge, "Snapshots kept.")
    // Updates and reboots (UpdatesCollector, from the updates check's state file)
    public static let updatesPending = MetricFamily("gpucluster_updates_pending", .gauge, "Package upgrades apt would install.")
    public static let updatesSecurityPending = MetricFamily("gpucluster_updates_security_pending", .gauge, "Pending upgrades from the security suite.")
    public static let rebootRequired = MetricFamily("gpucluster_reboot_required", .gauge, "1 when the host needs a reboot (new kernel or libraries).")
    public static let servicesRestartPending = MetricFamily("gpucluster_services_restart_pending", .gauge, "Services still running replaced libraries.")
    public static let updatesCheckedTimestampSeconds = MetricFamily("gpucluster_updates_checked_timestamp_seconds", .gauge, "When updates were last checked.")
    // Maintenance (MaintenanceCollector, from the state file `gpucluster upgrade` writes)
    /// Always exported, 0 in service: the alert rules read its last value while the host reboots.
    public static let maintenance = MetricFamily("gpucluster_maintenance", .gauge, "1 while the host is taken out of service on purpose (gpucluster upgrade).")
    public static let maintenanceStartTimestampSeconds = MetricFamily("gpucluster_maintenance_start_timestamp_seconds", .gauge,
        "When the maintenance began (kind: upgrade; from_release, to_release: Debian major versions); absent in service.")
    // The driver stack (DriverCollector; persistence per GPU from GPUCollector)
    public static let gpuPersistenceMode = MetricFamily("gpucluster_gpu_persistence_mode", .gauge, "1 when the GPU's persistence mode is on.")
    public static let gpuDriverProblem = MetricFamily("gpucluster_gpu_driver_problem", .gauge,
        "1 for each problem of the driver stack (reason: version_mismatch, module_not_loaded, persistence_off, fabric_manager_down).")
    // The agent itself (AgentSelfCollector)
    public static let agentInfo = MetricFamily("gpucluster_agent_info", .gauge, "Agent version and GPU backend.")
    public static let agentLastCollectionTimestampSeconds = MetricFamily("gpucluster_agent_last_collection_timestamp_seconds", .gauge, "When the served data was collected.")
    public static let agentCollectorDurationSeconds = MetricFamily("gpucluster_agent_collector_duration_seconds", .gauge, "Time one collector took in the last cycle.")
    public static let agentCollectorSuccess = MetricFamily("gpucluster_agent_collector_success", .gauge, "1 when the collector ran without error.")
    public static let agentResidentMemoryBytes = MetricFamily("gpucluster_agent_resident_memory_bytes", .gauge, "Agent resident memory.")

    /// All families, in the order a collection exports them.
    public static let all: [MetricFamily] = [
        gpuBackendUp, gpuDriverInfo, gpus, gpusExpected, gpusMissing, gpuUp, gpuInfo, migDeviceInfo,
        migMemoryTotalBytes, migMemoryUsedBytes, gpuXidErrorsTotal, gpuMemoryTotalBytes, gpuMemoryUsedBytes,
        gpuMemoryReservedBytes, gpuUtilizationRatio, gpuMemoryUtilizationRatio, gpuTemperatureCelsius,
        gpuFanRatio, gpuPowerWatts, gpuPowerLimitWatts, gpuClockHertz, gpuClockMaxHertz, gpuPerformanceState, gpuPersistenceMode,
        gpuEccErrorsTotal, gpuRemappedRows, gpuRemappedRowsPending, gpuRemappedRowsFailed, gpuThrottleActive,
        gpuProcesses, gpuUserMemoryBytes, gpuUserProcesses, jobGpuMemoryBytes, jobGpus, smartUp, smartDevices,
        diskSmartHealthy, diskTemperatureCelsius, diskReallocatedSectors, diskPendingSectors, diskMediaErrors,
        diskLastSelftestPassed, diskLastSelftestAgeHours, backupStateReadable,
        backupLastRunStartTimestampSeconds, backupLastRunEndTimestampSeconds,
        backupLastSuccessTimestampSeconds, backupLastExitCode, backupLastVerifyTimestampSeconds,
        backupVerifyOk, backupVerifyMismatches, backupLastBytes, backupSnapshots, updatesPending, updatesSecurityPending,
        rebootRequired, servicesRestartPending, updatesCheckedTimestampSeconds, maintenance, maintenanceStartTimestampSeconds, gpuDriverProblem, agentInfo,
        agentLastCollectionTimestampSeconds, agentCollectorDurationSeconds, agentCollectorSuccess,
        agentResidentMemoryBytes,
    ]
}
