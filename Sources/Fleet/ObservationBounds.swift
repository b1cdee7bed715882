import NodeReport
/// What agents and Prometheus say is data, not trust: every value that arrives from them is
/// checked here, once, before anything counts, sums, stores or draws it. A value outside what
/// the hardware can report is dropped (nil) or the list capped, and the node says which, so a
/// faulty or hostile agent shows as such instead of trapping the dashboard or poisoning its
/// history.
public enum ObservationBounds {
    /// GPUs on one node (8-GPU HGX with MIG instances stays far below).
    public static let maxGPUs = 128
    /// Processes per GPU (MPS allows 48 clients; graphics contexts add some).
    public static let maxProcessesPerGPU = 1024
    /// One GPU's memory: 4 TiB (the largest today is 192 GB). Sums of capped values can't overflow.
    public static let maxMemoryBytes: UInt64 = 1 << 42
    public static let temperatureCelsius: ClosedRange<Double> = -50...200
    /// Earliest believable time stamp (2000-01-01); the latest is now plus a day of clock skew.
    public static let earliestTime: Double = 946_684_800
    public static let clockSkew: Double = 86_400

    /// The double as an Int if it is finite and within ±2^53 (never traps).
    public static func int(_ v: Double) -> Int? {
        guard v.isFinite, abs(v) < 9_007_199_254_740_992 else { return nil }
        return Int(v)
    }

    /// The double as a byte count if it is finite and 0 … maxMemoryBytes.
    public static func bytes(_ v: Double) -> UInt64? {
        guard v.isFinite, v >= 0, v <= Double(maxMemoryBytes) else { return nil }
        return UInt64(v)
    }

    public static func isTime(_ t: Double, now: Double) -> Bool {
        t.isFinite && t >= earliestTime && t <= max(now, earliestTime) + clockSkew
    }
}

extension NodeObservation {
    /// This observation with every implausible value dropped or capped; `dataProblem` lists
    /// what was dropped (nil when nothing was).
    public func bounded(now: Double) -> NodeObservation {
        var o = self
        var dropped: [String] = []
        if let e = o.expectedGPUs, !(0...ObservationBounds.maxGPUs).contains(e) {
            dropped.append("expected GPUs \(e)")
            o.expectedGPUs = nil
        }
        if let t = o.lastSeen, !ObservationBounds.isTime(t, now: now) { dropped.append("last seen \(t)"); o.lastSeen = nil }
        if let t = o.downSince, !ObservationBounds.isTime(t, now: now) { o.downSince = nil }
        if let m = o.maintenance, !ObservationBounds.isTime(m.since, now: now) { dropped.append("maintenance since \(m.since)"); o.maintenance = nil }
        if let t = o.backupLastSuccess, !ObservationBounds.isTime(t, now: now) { dropped.append("last backup \(t)"); o.backupLastSuccess = nil }
        if o.gpus.count > ObservationBounds.maxGPUs {
            dropped.append("\(o.gpus.count - ObservationBounds.maxGPUs) GPUs over \(ObservationBounds.maxGPUs)")
            o.gpus = Array(o.gpus.prefix(ObservationBounds.maxGPUs))
        }
        for i in o.gpus.indices { o.gpus[i].bound(position: i, now: now, &dropped) }
        if var h = o.host {
            if let l = h.load1, !(l.isFinite && (0...1_000_000).contains(l)) { dropped.append("load \(l)"); h.load1 = nil }
            if let c = h.cpus, !(1...1 << 20).contains(c) { dropped.append("\(c) CPUs"); h.cpus = nil }
            // Available never above total; a pair that says otherwise is dropped whole.
            if let t = h.memoryTotalBytes, let a = h.memoryAvailableBytes, a > t || t > 1 << 56 {
                dropped.append("memory \(a) of \(t)"); h.memoryTotalBytes = nil; h.memoryAvailableBytes = nil
            }
            if let t = h.rootTotalBytes, let a = h.rootAvailableBytes, a > t { dropped.append("root filesystem \(a) of \(t)"); h.rootTotalBytes = nil; h.rootAvailableBytes = nil }
            // An agent's answer is re-checked here as if no agent had checked it.
            if let u = h.updates {
                if let t = u.checkedAt, !ObservationBounds.isTime(t, now: now) { dropped.append("updates checked at \(t)"); h.updates?.checkedAt = nil }
                let counts = [u.pending, u.security, u.servicesToRestart].compactMap { $0 }
                if counts.contains(where: { !(0...1_000_000).contains($0) }) || (u.security ?? 0) > (u.pending ?? Int.max) {
                    dropped.append("update counts"); h.updates?.pending = nil; h.updates?.security = nil; h.updates?.servicesToRestart = nil
                }
                let packages = u.rebootPackages.prefix(20).filter(UpdatesStatus.isPackageName)
                if packages.count != u.rebootPackages.count { dropped.append("reboot packages") }
                h.updates?.rebootPackages = Array(packages)
            }
            o.host = h
        }
        if var d = o.driver {
            // Versions are shown and used as labels: only what a version looks like stays.
            if let v = d.loadedVersion, !DriverHealth.isVersion(v) { dropped.append("driver loaded version"); d.loadedVersion = nil }
            if let v = d.libraryVersion, !DriverHealth.isVersion(v) { dropped.append("driver library version"); d.libraryVersion = nil }
            let problems = DriverHealth.Problem.allCases.filter(d.problems.contains)
            if problems.count != d.problems.count { dropped.append("repeated driver problems") }
            d.problems = problems
            let off = d.persistenceOffGPUs.prefix(ObservationBounds.maxGPUs).filter { (0..<(ObservationBounds.maxGPUs * 8)).contains($0) }
            if off.count != d.persistenceOffGPUs.count { dropped.append("persistence GPU list") }
            d.persistenceOffGPUs = Array(off)
            o.driver = d
        }
        if !dropped.isEmpty {
            let shown = dropped.prefix(5).joined(separator: ", ") + (dropped.count > 5 ? " and \(dropped.count - 5) more" : "")
            o.dataProblem = "ignored implausible values: " + shown
        }
        return o
    }
}

extension GPUObservation {
    mutating func bound(position: Int, now: Double, _ dropped: inout [String]) {
        let me = "GPU \(position)"
        if !(0..<(ObservationBounds.maxGPUs * 8)).contains(index) { dropped.append("\(me) index \(index)"); index = position }
        if let u = utilization, !(u.isFinite && (0...100).contains(u)) { dropped.append("\(me) utilization \(u)"); utilization = nil }
        if let t = temperatureCelsius, !(t.isFinite && ObservationBounds.temperatureCelsius.contains(t)) {
            dropped.append("\(me) temperature \(t)"); temperatureCelsius = nil
        }
        if let m = memoryTotalBytes, m > ObservationBounds.maxMemoryBytes { dropped.append("\(me) memory total \(m)"); memoryTotalBytes = nil }
        if let m = memoryUsedBytes, m > (memoryTotalBytes ?? ObservationBounds.maxMemoryBytes) {
            dropped.append("\(me) memory used \(m) over total"); memoryUsedBytes = nil
        }
        if !(0...ObservationBounds.maxProcessesPerGPU).contains(processCount) {
            dropped.append("\(me) process count \(processCount)")
            processCount = min(max(processCount, 0), ObservationBounds.maxProcessesPerGPU)
        }
        if processes.count > ObservationBounds.maxProcessesPerGPU {
            dropped.append("\(me) \(processes.count - ObservationBounds.maxProcessesPerGPU) processes over the cap")
            processes = Array(processes.prefix(ObservationBounds.maxProcessesPerGPU))
        }
        for j in processes.indices {
            if let m = processes[j].memoryBytes, m > ObservationBounds.maxMemoryBytes {
                dropped.append("\(me) process memory \(m)"); processes[j].memoryBytes = nil
            }
            if let s = processes[j].startTime, !ObservationBounds.isTime(s, now: now) {
                dropped.append("\(me) process start \(s)"); processes[j].startTime = nil
            }
        }
        if users.count > ObservationBounds.maxProcessesPerGPU { users = Array(users.prefix(ObservationBounds.maxProcessesPerGPU)) }
        if jobs.count > ObservationBounds.maxProcessesPerGPU { jobs = Array(jobs.prefix(ObservationBounds.maxProcessesPerGPU)) }
    }
}
