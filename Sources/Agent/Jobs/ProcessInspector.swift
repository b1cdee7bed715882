import HostSystem
#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Who runs a GPU process, what it is, since when, and in which job: read from /proc.
/// NVML reports host PIDs (also for containers), so /proc of the host namespace resolves them.
public struct ProcessInspector: Sendable {
    public struct Info: Sendable, Equatable {
        public var uid: UInt32?
        public var user: String
        public var command: String
        public var startTime: Double?
        public var job: JobRef
    }

    public let procRoot: String
    private let bootTime: Double?
    private let ticksPerSecond: Double

    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
        bootTime = Self.readBootTime(procRoot)
        let hz = sysconf(Int32(_SC_CLK_TCK))
        ticksPerSecond = hz > 0 ? Double(hz) : 100
    }

    public func inspect(pid: Int32, userName: (UInt32) -> String? = ProcessInspector.passwdName) -> Info {
        let base = "\(procRoot)/\(pid)"
        let uid = SmallFile.text("\(base)/status").flatMap(Self.uid(fromStatus:))
        var command = SmallFile.text("\(base)/cmdline", max: 4096).map(Self.command(fromCmdline:)) ?? ""
        if command.isEmpty { command = SmallFile.text("\(base)/comm")?.trimmed() ?? "" }
        if command.isEmpty { command = "?" }
        let start = SmallFile.text("\(base)/stat").flatMap(Self.startTicks(fromStat:)).flatMap { ticks in
            bootTime.map { $0 + Double(ticks) / ticksPerSecond }
        }
        let job = SmallFile.text("\(base)/cgroup").flatMap(Self.job(fromCgroup:)) ?? JobRef(kind: .process, id: String(pid), runtime: nil)
        let user = uid.map { userName($0) ?? String($0) } ?? "unknown"
        return Info(uid: uid, user: user, command: command, startTime: start, job: job)
    }

    // MARK: parsing (pure, tested on literal text)

    // Parsing works on UTF-8 bytes: it runs for every GPU process on every cycle, and
    // Character-by-Character String work was most of a cycle's CPU (measured with perf).

    static func uid(fromStatus s: String) -> UInt32? {
        let b = Array(s.utf8)
        let key = Array("Uid:".utf8)
        var i = 0
        while i + key.count <= b.count {
            if (i == 0 || b[i - 1] == 0x0a), Array(b[i..<i + key.count]) == key {
                var j = i + key.count
                while j < b.count, b[j] == 0x09 || b[j] == 0x20 { j += 1 }
                return parseUInt(b, from: j).map { UInt32(clamping: $0) }
            }
            i += 1
        }
        return nil
    }

    static func parseUInt(_ b: [UInt8], from start: Int) -> UInt64? {
        var j = start, v: UInt64 = 0
        while j < b.count, b[j] >= 0x30, b[j] <= 0x39 {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b[j] - 0x30))
            if o1 || o2 { return nil }
            v = a
            j += 1
        }
        return j > start ? v : nil
    }

    static func command(fromCmdline s: String) -> String {
        var b = Array(s.utf8)
        while b.last == 0 { b.removeLast() }
        for i in b.indices where b[i] == 0 { b[i] = 0x20 }
        return String(decoding: b, as: UTF8.self)
    }

    /// Field 22 of /proc/PID/stat; the command (field 2) may contain spaces and parentheses.
    static func startTicks(fromStat s: String) -> UInt64? {
        let b = Array(s.utf8)
        guard let close = b.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // After ") " come fields 3, 4, …: field 22 is the 20th.
        var field = 2, i = close + 1
        while i < b.count {
            if b[i] == 0x20 {
                field += 1
                if field == 22 { return parseUInt(b, from: i + 1) }
            }
            i += 1
        }
        return nil
    }

    static func readBootTime(_ procRoot: String) -> Double? {
        guard let s = SmallFile.text("\(procRoot)/stat") else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmed())
        }
        return nil
    }

    /// Slurm job (cgroup v1 and v2 layouts), container (docker, containerd/CRI, podman,
    /// kubernetes pods), or nil for a plain process. Plain string scans, no regular
    /// expressions: this runs for every GPU process on every cycle.
    static func job(fromCgroup s: String) -> JobRef? {
        for line in s.split(separator: "\n") {
            let path = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last ?? ""
            if path.contains("slurm"), let r = path.firstRange(of: "job_") {
                let digits = path[r.upperBound...].prefix { $0.isASCII && $0.isNumber }
                if !digits.isEmpty { return JobRef(kind: .slurm, id: String(digits), runtime: nil) }
            }
            guard let id = longHexRun(path) else { continue }
            // Kubernetes first: pod paths also name the container runtime.
            let runtime: String
            if path.contains("kubepods") { runtime = "kubernetes" }
            else if path.contains("docker") { runtime = "docker" }
            else if path.contains("cri-containerd") { runtime = "containerd" }
            else if path.contains("crio-") { runtime = "cri-o" }
            else if path.contains("libpod-") { runtime = "podman" }
            else if path.contains("containerd") { runtime = "containerd" }
            else { continue }
            return JobRef(kind: .container, id: String(id.prefix(12)), runtime: runtime)
        }
        return nil
    }

    /// The first run of exactly 64 lowercase hex digits (a container id).
    static func longHexRun(_ s: Substring) -> String? {
        let b = Array(s.utf8)
        var start = 0, count = 0
        for (i, c) in b.enumerated() {
            if (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) {
                if count == 0 { start = i }
                count += 1
            } else {
                if count == 64 { return String(decoding: b[start..<i], as: UTF8.self) }
                count = 0
            }
        }
        return count == 64 ? String(decoding: b[start...], as: UTF8.self) : nil
    }

    /// The process's start time in clock ticks since boot: with the pid, it names one process
    /// (pids are reused), so facts about it can be cached.
    public func startTicks(pid: Int32) -> UInt64? {
        SmallFile.text("\(procRoot)/\(pid)/stat").flatMap(Self.startTicks(fromStat:))
    }

    /// uid → name from passwd-format text (`name:x:uid:gid:…`); malformed lines are skipped.
    public static func passwdEntries(_ text: String) -> [UInt32: String] {
        var out: [UInt32: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 3, !f[0].isEmpty, let uid = UInt32(f[2]) else { continue }
            if out[uid] == nil { out[uid] = String(f[0]) }
        }
        return out
    }

    public static func passwdName(_ uid: UInt32) -> String? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buf = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &pwd, &buf, buf.count, &result) == 0, result != nil, let name = pwd.pw_name else { return nil }
        return String(cString: name)
    }
}
