import NodeReport
/// A scenario for the simulated NVML library (Sources/SimNVML): GPUs, their processes and
/// faults, written in the library's line format. Tests, `demo` and the lab build these;
/// `init(replaying:)` turns a real nvidia-smi capture into one.
public struct SimScenario: Sendable, Equatable {
    public struct GPU: Sendable, Equatable {
        public var uuid: String
        public var name: String
        public var memoryTotalMiB: Int
        public var memoryUsedMiB: Int = 0
        public var memoryReservedMiB: Int = 0
        /// Utilization steps (percent), one per `utilizationPeriodMs`, repeating.
        public var utilization: [Int] = [0]
        public var memoryUtilization: [Int] = [0]
        public var utilizationPeriodMs = 1000
        public var temperature: Int? = 35
        public var fan: Int? = 30
        public var powerWatts: Double? = 50
        public var powerLimitWatts: Double = 300
        public var clocksMHz: [Int] = [1410, 1410, 1593, 1275]
        public var maxClocksMHz: [Int] = [1410, 1410, 1593, 1275]
        public var performanceState = 0
        public var eccCorrected: Int? = 0
        public var eccUncorrected = 0
        public var remappedRows: [Int]? = [0, 0, 0, 0]
        public var throttle: UInt64 = 0
        public var migEnabled = false
        public var lost = false
        public var lostAfterMs: Int?
        /// XID code and when it fires (ms after the scenario loads).
        public var xid: (code: Int, afterMs: Int)?
        public var slowMs = 0
        /// NVML's persistence mode (on, as the driver role leaves it).
        public var persistence = true

        public init(uuid: String, name: String, memoryTotalMiB: Int) {
            self.uuid = uuid; self.name = name; self.memoryTotalMiB = memoryTotalMiB
        }
        public static func == (a: GPU, b: GPU) -> Bool { a.line == b.line }
    }
    public struct MIG: Sendable, Equatable {
        public var gpu: Int
        public var uuid: String
        public var profile: String
        public var memoryTotalMiB: Int
        public var memoryUsedMiB: Int
        public var gpuInstance: Int
        public var computeInstance: Int
        public init(gpu: Int, uuid: String, profile: String, memoryTotalMiB: Int, memoryUsedMiB: Int, gpuInstance: Int, computeInstance: Int) {
            self.gpu = gpu; self.uuid = uuid; self.profile = profile; self.memoryTotalMiB = memoryTotalMiB
            self.memoryUsedMiB = memoryUsedMiB; self.gpuInstance = gpuInstance; self.computeInstance = computeInstance
        }
    }
    public struct Process: Sendable, Equatable {
        public var gpu: Int
        public var pid: Int32
        public var usedBytes: UInt64
        public var graphics = false
        public var gpuInstance: Int?
        public var computeInstance: Int?
        public init(gpu: Int, pid: Int32, usedMiB: Int) {
            self.gpu = gpu; self.pid = pid; self.usedBytes = UInt64(usedMiB) << 20
        }
        public init(gpu: Int, pid: Int32, usedBytes: UInt64) { self.gpu = gpu; self.pid = pid; self.usedBytes = usedBytes }
    }

    public var driverVersion = "535.129.03"
    public var cudaVersion = 12020
    /// The library's own version ("12.535.129.03" when nil); after a driver upgrade without a
    /// reboot it is the new driver's while the loaded module is the old one.
    public var nvmlVersion: String?
    /// nvmlInit fails with this code: 18 is the driver/library version mismatch, 9 no module.
    public var initError: Int32?
    public var gpus: [GPU] = []
    public var migs: [MIG] = []
    public var processes: [Process] = []

    public init() {}

    /// `count` identical GPUs of a common data-center model, UUIDs derived from `seed`.
    public static func uniform(count: Int, name: String = "NVIDIA A100-SXM4-80GB", memoryMiB: Int = 81920, seed: String = "0000") -> SimScenario {
        var s = SimScenario()
        for i in 0..<count {
            s.gpus.append(GPU(uuid: "GPU-\(seed)0000-0000-0000-0000-\(String(repeating: "0", count: max(0, 12 - String(i).count)))\(i)",
                              name: name, memoryTotalMiB: memoryMiB))
        }
        return s
    }

    /// The file the library reads.
    public var text: String {
        var out = "# gpucluster simulated NVML scenario\ndriver \(driverVersion)\ncuda \(cudaVersion)\n"
        if let v = nvmlVersion { out += "nvml \(String(v.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7f }.prefix(64)))\n" }
        if let e = initError { out += "init_error \(e)\n" }
        for g in gpus { out += g.line + "\n" }
        for m in migs {
            out += "mig gpu=\(m.gpu) uuid=\(q(m.uuid)) profile=\(q(m.profile)) memory_total_mib=\(m.memoryTotalMiB) "
                + "memory_used_mib=\(m.memoryUsedMiB) gi=\(m.gpuInstance) ci=\(m.computeInstance)\n"
        }
        for p in processes {
            var line = "proc gpu=\(p.gpu) pid=\(p.pid) used_bytes=\(p.usedBytes) type=\(p.graphics ? "G" : "C")"
            if let gi = p.gpuInstance { line += " gi=\(gi)" }
            if let ci = p.computeInstance { line += " ci=\(ci)" }
            out += line + "\n"
        }
        return out
    }
}

/// Quotes a value for the scenario format (no quotes or newlines can pass through).
func q(_ s: String) -> String {
    "\"" + String(s.unicodeScalars.filter { $0 != "\"" && $0 != "\n" && $0 != "\r" && $0.value >= 0x20 }.map(Character.init)) + "\""
}

extension SimScenario.GPU {
    var line: String {
        func na<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "na" }
        var l = "gpu uuid=\(q(uuid)) name=\(q(name)) memory_total_mib=\(memoryTotalMiB) memory_used_mib=\(memoryUsedMiB)"
        l += " memory_reserved_mib=\(memoryReservedMiB)"
        l += " util=\(utilization.map(String.init).joined(separator: ",")) mem_util=\(memoryUtilization.map(String.init).joined(separator: ","))"
        l += " util_period_ms=\(utilizationPeriodMs) temp=\(na(temperature)) fan=\(na(fan)) power_w=\(na(powerWatts))"
        l += " power_limit_w=\(powerLimitWatts) clocks=\(clocksMHz.map(String.init).joined(separator: ","))"
        l += " max_clocks=\(maxClocksMHz.map(String.init).joined(separator: ",")) pstate=\(performanceState)"
        l += " ecc_corrected=\(na(eccCorrected)) ecc_uncorrected=\(eccUncorrected)"
        l += " remapped=\(remappedRows.map { $0.map(String.init).joined(separator: ",") } ?? "na")"
        l += " throttle=0x\(String(throttle, radix: 16)) mig=\(migEnabled ? 1 : 0) lost=\(lost ? 1 : 0)"
        if let ms = lostAfterMs { l += " lost_after_ms=\(ms)" }
        if let x = xid { l += " xid=\(x.code)@\(x.afterMs)" }
        if slowMs > 0 { l += " slow_ms=\(slowMs)" }
        if !persistence { l += " persistence=0" }
        return l
    }
}

extension SimScenario {
    /// Replays a real machine's state (parsed from nvidia-smi XML/CSV) through the simulator.
    /// `pid` maps each recorded process to a pid that exists here (clients look pids up).
    public init(replaying c: GPUCollection, pid: (GPUProcess) -> Int32 = { $0.pid }) {
        self.init()
        driverVersion = c.driverVersion ?? driverVersion
        if let cuda = c.cudaVersion, let major = Int(cuda.split(separator: ".").first ?? ""),
           let minor = Int(cuda.split(separator: ".").dropFirst().first ?? "0") {
            cudaVersion = major * 1000 + minor * 10
        }
        for (gi, r) in c.gpus.sorted(by: { $0.index < $1.index }).enumerated() {
            var g = GPU(uuid: r.uuid, name: r.name, memoryTotalMiB: Int((r.memoryTotalBytes ?? 0) >> 20))
            g.memoryUsedMiB = Int((r.memoryUsedBytes ?? 0) >> 20)
            g.memoryReservedMiB = Int((r.memoryReservedBytes ?? 0) >> 20)
            g.utilization = [Int(r.utilizationGPU ?? 0)]
            g.memoryUtilization = [Int(r.utilizationMemory ?? 0)]
            g.temperature = r.temperatureCelsius.map { Int($0) }
            g.fan = r.fanPercent.map { Int($0) }
            g.powerWatts = r.powerWatts
            g.powerLimitWatts = r.powerLimitWatts ?? 0
            g.clocksMHz = ["graphics", "sm", "memory", "video"].map { Int(r.clocksMHz[$0] ?? 0) }
            g.maxClocksMHz = ["graphics", "sm", "memory", "video"].map { Int(r.maxClocksMHz[$0] ?? 0) }
            g.performanceState = r.performanceState ?? 0
            g.eccCorrected = r.eccCorrected.map { Int($0) }
            g.eccUncorrected = Int(r.eccUncorrected ?? 0)
            g.remappedRows = r.remappedRows.map { [$0.correctable, $0.uncorrectable, $0.pending ? 1 : 0, $0.failed ? 1 : 0] }
            g.throttle = r.throttleReasons ?? 0
            g.migEnabled = r.migEnabled ?? false
            gpus.append(g)
            for p in r.processes {
                var sp = Process(gpu: gi, pid: pid(p), usedBytes: p.usedMemoryBytes ?? 0)
                sp.graphics = p.kind == .graphics
                processes.append(sp)
            }
        }
    }
}
