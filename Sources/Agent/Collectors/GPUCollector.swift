import NodeReport
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
        m.add(Metric.gpuBackendUp, [("backend", c.backend)], c.backendUp ? 1 : 0)
        if let d = c.driverVersion {
            m.add(Metric.gpuDriverInfo, [("driver_version", d), ("cuda_version", c.cudaVersion ?? "")], 1)
        }
        m.add(Metric.gpus, [], Double(c.gpus.count))
        if let expected = s.expectedGPUs {
            m.add(Metric.gpusExpected, [], Double(expected))
            let upCount = c.gpus.filter(\.up).count
            m.add(Metric.gpusMissing, [], Double(max(0, expected - upCount)))
        }
        for family in Self.families { m.declare(family) }
        for g in c.gpus {
            let l = [("gpu", String(g.index)), ("uuid", g.uuid)]
            m.add(Metric.gpuUp, l, g.up ? 1 : 0)
            m.add(Metric.gpuInfo, l + [("name", g.name), ("mig_mode", g.migEnabled.map { $0 ? "enabled" : "disabled" } ?? "n/a")], 1)
            guard g.up else { continue }
            func put(_ family: MetricFamily, _ v: Double?, _ extra: [(String, String)] = []) {
                if let v { m.add(family, l + extra, v) }
            }
            put(Metric.gpuMemoryTotalBytes, g.memoryTotalBytes.map { Double($0) })
            put(Metric.gpuMemoryUsedBytes, g.memoryUsedBytes.map { Double($0) })
            put(Metric.gpuMemoryReservedBytes, g.memoryReservedBytes.map { Double($0) })
            put(Metric.gpuUtilizationRatio, g.utilizationGPU.map { $0 / 100 })
            put(Metric.gpuMemoryUtilizationRatio, g.utilizationMemory.map { $0 / 100 })
            put(Metric.gpuTemperatureCelsius, g.temperatureCelsius)
            put(Metric.gpuFanRatio, g.fanPercent.map { $0 / 100 })
            put(Metric.gpuPowerWatts, g.powerWatts)
            put(Metric.gpuPowerLimitWatts, g.powerLimitWatts)
            for (clock, mhz) in g.clocksMHz.sorted(by: { $0.key < $1.key }) { put(Metric.gpuClockHertz, mhz * 1_000_000, [("clock", clock)]) }
            for (clock, mhz) in g.maxClocksMHz.sorted(by: { $0.key < $1.key }) { put(Metric.gpuClockMaxHertz, mhz * 1_000_000, [("clock", clock)]) }
            put(Metric.gpuPerformanceState, g.performanceState.map { Double($0) })
            put(Metric.gpuPersistenceMode, g.persistenceMode.map { $0 ? 1 : 0 })
            put(Metric.gpuEccErrorsTotal, g.eccCorrected.map { Double($0) }, [("type", "corrected")])
            put(Metric.gpuEccErrorsTotal, g.eccUncorrected.map { Double($0) }, [("type", "uncorrected")])
            if let r = g.remappedRows {
                put(Metric.gpuRemappedRows, Double(r.correctable), [("kind", "correctable")])
                put(Metric.gpuRemappedRows, Double(r.uncorrectable), [("kind", "uncorrectable")])
                put(Metric.gpuRemappedRowsPending, r.pending ? 1 : 0)
                put(Metric.gpuRemappedRowsFailed, r.failed ? 1 : 0)
            }
            if let bits = g.throttleReasons {
                for (bit, reason) in ThrottleReason.all { put(Metric.gpuThrottleActive, bits & bit != 0 ? 1 : 0, [("reason", reason)]) }
            }
            put(Metric.gpuProcesses, Double(g.processes.count))
            for mig in g.migDevices {
                let ml = l + [("mig_uuid", mig.uuid), ("profile", Self.profile(mig.name))]
                m.add(Metric.migDeviceInfo, ml, 1)
                if let t = mig.memoryTotalBytes { m.add(Metric.migMemoryTotalBytes, ml, Double(t)) }
                if let u = mig.memoryUsedBytes { m.add(Metric.migMemoryUsedBytes, ml, Double(u)) }
            }
        }
        for (key, count) in c.xidCounts.sorted(by: { ($0.key.index, $0.key.xid) < ($1.key.index, $1.key.xid) }) {
            m.add(Metric.gpuXidErrorsTotal, [("gpu", String(key.index)), ("uuid", key.uuid), ("xid", String(key.xid))], Double(count))
        }
        m.declare(Metric.gpuXidErrorsTotal)
    }

    static func profile(_ name: String) -> String {
        name.firstRange(of: "MIG ").map { String(name[$0.upperBound...]) } ?? name
    }

    /// Declared on every export, so each appears with HELP/TYPE even before a GPU reports it.
    static let families: [MetricFamily] = [
        Metric.gpuUp, Metric.gpuMemoryTotalBytes, Metric.gpuMemoryUsedBytes, Metric.gpuMemoryReservedBytes,
        Metric.gpuUtilizationRatio, Metric.gpuMemoryUtilizationRatio, Metric.gpuTemperatureCelsius,
        Metric.gpuFanRatio, Metric.gpuPowerWatts, Metric.gpuPowerLimitWatts, Metric.gpuClockHertz,
        Metric.gpuClockMaxHertz, Metric.gpuPerformanceState, Metric.gpuPersistenceMode, Metric.gpuEccErrorsTotal, Metric.gpuRemappedRows,
        Metric.gpuRemappedRowsPending, Metric.gpuRemappedRowsFailed, Metric.gpuThrottleActive,
        Metric.gpuProcesses,
    ]
}
