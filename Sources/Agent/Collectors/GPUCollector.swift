import GPU

/// GPU readings from the backend (NVML, nvidia-smi or none). Base units: bytes, ratios 0–1,
/// watts, hertz, celsius. Values the GPU does not report are left out, never exported as 0.
public struct GPUCollector: Collector {
    public let backend: any GPUBackend
    public var name: String { "gpu" }

    public func collect(_ s: inout NodeSnapshot) {
        s.gpu = backend.collect()
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        let c = s.gpu
        m.add("gpucluster_gpu_backend_up", .gauge, "1 when the GPU backend answered this cycle.",
              [("backend", c.backend)], c.backendUp ? 1 : 0)
        if let d = c.driverVersion {
            m.add("gpucluster_gpu_driver_info", .gauge, "NVIDIA driver version.", [("driver_version", d), ("cuda_version", c.cudaVersion ?? "")], 1)
        }
        m.add("gpucluster_gpus", .gauge, "GPUs the backend lists (up or down).", [], Double(c.gpus.count))
        if let expected = s.expectedGPUs {
            m.add("gpucluster_gpus_expected", .gauge, "GPUs this host should have (cluster.yaml).", [], Double(expected))
            let upCount = c.gpus.filter(\.up).count
            m.add("gpucluster_gpus_missing", .gauge, "Expected GPUs that are not up.", [], Double(max(0, expected - upCount)))
        }
        for family in Self.families { m.declare(family.0, family.1, family.2) }
        for g in c.gpus {
            let l = [("gpu", String(g.index)), ("uuid", g.uuid)]
            m.add("gpucluster_gpu_up", .gauge, "1 when the GPU answers; 0 when lost or gone.", l, g.up ? 1 : 0)
            m.add("gpucluster_gpu_info", .gauge, "GPU identity.", l + [("name", g.name), ("mig_mode", g.migEnabled.map { $0 ? "enabled" : "disabled" } ?? "n/a")], 1)
            guard g.up else { continue }
            func put(_ name: String, _ v: Double?, _ extra: [(String, String)] = []) {
                if let v { m.add(name, Self.kind(name), Self.help(name), l + extra, v) }
            }
            put("gpucluster_gpu_memory_total_bytes", g.memoryTotalBytes.map { Double($0) })
            put("gpucluster_gpu_memory_used_bytes", g.memoryUsedBytes.map { Double($0) })
            put("gpucluster_gpu_memory_reserved_bytes", g.memoryReservedBytes.map { Double($0) })
            put("gpucluster_gpu_utilization_ratio", g.utilizationGPU.map { $0 / 100 })
            put("gpucluster_gpu_memory_utilization_ratio", g.utilizationMemory.map { $0 / 100 })
            put("gpucluster_gpu_temperature_celsius", g.temperatureCelsius)
            put("gpucluster_gpu_fan_ratio", g.fanPercent.map { $0 / 100 })
            put("gpucluster_gpu_power_watts", g.powerWatts)
            put("gpucluster_gpu_power_limit_watts", g.powerLimitWatts)
            for (clock, mhz) in g.clocksMHz.sorted(by: { $0.key < $1.key }) { put("gpucluster_gpu_clock_hertz", mhz * 1_000_000, [("clock", clock)]) }
            for (clock, mhz) in g.maxClocksMHz.sorted(by: { $0.key < $1.key }) { put("gpucluster_gpu_clock_max_hertz", mhz * 1_000_000, [("clock", clock)]) }
            put("gpucluster_gpu_performance_state", g.performanceState.map { Double($0) })
            put("gpucluster_gpu_ecc_errors_total", g.eccCorrected.map { Double($0) }, [("type", "corrected")])
            put("gpucluster_gpu_ecc_errors_total", g.eccUncorrected.map { Double($0) }, [("type", "uncorrected")])
            if let r = g.remappedRows {
                put("gpucluster_gpu_remapped_rows", Double(r.correctable), [("kind", "correctable")])
                put("gpucluster_gpu_remapped_rows", Double(r.uncorrectable), [("kind", "uncorrectable")])
                put("gpucluster_gpu_remapped_rows_pending", r.pending ? 1 : 0)
                put("gpucluster_gpu_remapped_rows_failed", r.failed ? 1 : 0)
            }
            if let bits = g.throttleReasons {
                for (bit, reason) in ThrottleReason.all { put("gpucluster_gpu_throttle_active", bits & bit != 0 ? 1 : 0, [("reason", reason)]) }
            }
            put("gpucluster_gpu_processes", Double(g.processes.count))
            for mig in g.migDevices {
                let ml = l + [("mig_uuid", mig.uuid), ("profile", Self.profile(mig.name))]
                m.add("gpucluster_mig_device_info", .gauge, "MIG device on a GPU.", ml, 1)
                if let t = mig.memoryTotalBytes { m.add("gpucluster_mig_memory_total_bytes", .gauge, "MIG device memory.", ml, Double(t)) }
                if let u = mig.memoryUsedBytes { m.add("gpucluster_mig_memory_used_bytes", .gauge, "MIG device memory in use.", ml, Double(u)) }
            }
        }
        for (key, count) in c.xidCounts.sorted(by: { ($0.key.index, $0.key.xid) < ($1.key.index, $1.key.xid) }) {
            m.add("gpucluster_gpu_xid_errors_total", .counter, "XID errors seen through NVML events since the agent started.",
                  [("gpu", String(key.index)), ("uuid", key.uuid), ("xid", String(key.xid))], Double(count))
        }
        m.declare("gpucluster_gpu_xid_errors_total", .counter, "XID errors seen through NVML events since the agent started.")
    }

    static func profile(_ name: String) -> String {
        name.firstRange(of: "MIG ").map { String(name[$0.upperBound...]) } ?? name
    }

    static let families: [(String, MetricSet.Kind, String)] = [
        ("gpucluster_gpu_up", .gauge, "1 when the GPU answers; 0 when lost or gone."),
        ("gpucluster_gpu_memory_total_bytes", .gauge, "GPU memory (framebuffer) in bytes."),
        ("gpucluster_gpu_memory_used_bytes", .gauge, "GPU memory in use, bytes."),
        ("gpucluster_gpu_memory_reserved_bytes", .gauge, "GPU memory reserved by the driver, bytes."),
        ("gpucluster_gpu_utilization_ratio", .gauge, "GPU busy time over the last sample period, 0-1."),
        ("gpucluster_gpu_memory_utilization_ratio", .gauge, "Memory controller busy time, 0-1."),
        ("gpucluster_gpu_temperature_celsius", .gauge, "GPU core temperature."),
        ("gpucluster_gpu_fan_ratio", .gauge, "Fan speed as a fraction of maximum, 0-1."),
        ("gpucluster_gpu_power_watts", .gauge, "Power draw."),
        ("gpucluster_gpu_power_limit_watts", .gauge, "Enforced power limit."),
        ("gpucluster_gpu_clock_hertz", .gauge, "Current clock."),
        ("gpucluster_gpu_clock_max_hertz", .gauge, "Maximum clock."),
        ("gpucluster_gpu_performance_state", .gauge, "Performance state (0 = P0, fastest)."),
        ("gpucluster_gpu_ecc_errors_total", .counter, "ECC errors over the GPU's lifetime (aggregate)."),
        ("gpucluster_gpu_remapped_rows", .gauge, "Memory rows remapped."),
        ("gpucluster_gpu_remapped_rows_pending", .gauge, "1 when a row remap waits for a GPU reset."),
        ("gpucluster_gpu_remapped_rows_failed", .gauge, "1 when a row remap failed."),
        ("gpucluster_gpu_throttle_active", .gauge, "1 when this clock throttle reason is active."),
        ("gpucluster_gpu_processes", .gauge, "Processes using the GPU."),
    ]

    static func kind(_ name: String) -> MetricSet.Kind { name.hasSuffix("_total") ? .counter : .gauge }
    static func help(_ name: String) -> String { families.first { $0.0 == name }?.2 ?? name }
}
