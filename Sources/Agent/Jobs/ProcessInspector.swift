import Foundation
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
        let uid = Self.read("\(base)/status").flatMap(Self.uid(fromStatus:))
        var command = Self.read("\(base)/cmdline", max: 4096).map(Self.command(fromCmdline:)) ?? ""
        if command.isEmpty { command = Self.read("\(base)/comm")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        if command.isEmpty { command = "?" }
        let start = Self.read("\(base)/stat").flatMap(Self.startTicks(fromStat:)).flatMap { ticks in
            bootTime.map { $0 + Double(ticks) / ticksPerSecond }
        }
        let job = Self.read("\(base)/cgroup").flatMap(Self.job(fromCgroup:)) ?? JobRef(kind: .process, id: String(pid), runtime: nil)
        let user = uid.map { userName($0) ?? String($0) } ?? "unknown"
        return Info(uid: uid, user: user, command: command, startTime: start, job: job)
    }

    // MARK: parsing (pure, tested on literal text)

    static func uid(fromStatus s: String) -> UInt32? {
        for line in s.split(separator: "\n") where line.hasPrefix("Uid:") {
            // Uid: real effective saved fs — the real uid is the owner.
            return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { UInt32($0) }
        }
        return nil
    }

    static func command(fromCmdline s: String) -> String {
        s.split(separator: "\0", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Field 22 of /proc/PID/stat; the command (field 2) may contain spaces and parentheses.
    static func startTicks(fromStat s: String) -> UInt64? {
        guard let close = s.lastIndex(of: ")") else { return nil }
        let rest = s[s.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state): field 22 is rest[19].
        return rest.count > 19 ? UInt64(rest[19]) : nil
    }

    static func readBootTime(_ procRoot: String) -> Double? {
        guard let s = read("\(procRoot)/stat") else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Slurm job (cgroup v1 and v2 layouts), container (docker, containerd/CRI, podman,
    /// kubernetes pods), or nil for a plain process.
    static func job(fromCgroup s: String) -> JobRef? {
        for line in s.split(separator: "\n") {
            let path = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last.map(String.init) ?? ""
            if let r = path.range(of: #"job_([0-9]+)"#, options: .regularExpression), path.contains("slurm") {
                return JobRef(kind: .slurm, id: String(path[r].dropFirst(4)), runtime: nil)
            }
            // Kubernetes pods first: their paths also name the container runtime.
            let runtimes: [(pattern: String, runtime: String)] = [
                (#"kubepods.*[/:-][0-9a-f]{64}"#, "kubernetes"),
                (#"docker[-/][0-9a-f]{64}"#, "docker"),
                (#"cri-containerd[-:][0-9a-f]{64}"#, "containerd"),
                (#"crio-[0-9a-f]{64}"#, "cri-o"),
                (#"libpod-[0-9a-f]{64}"#, "podman"),
                (#"containerd/[0-9a-f]{64}"#, "containerd"),
            ]
            for (pattern, runtime) in runtimes {
                if let r = path.range(of: pattern, options: .regularExpression) {
                    let id = path[r].suffix(64)
                    return JobRef(kind: .container, id: String(id.prefix(12)), runtime: runtime)
                }
            }
        }
        return nil
    }

    static func read(_ path: String, max: Int = 65536) -> String? {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        // /proc files report size 0: read until EOF, bounded.
        guard let data = try? fh.read(upToCount: max) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func passwdName(_ uid: UInt32) -> String? {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buf = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &pwd, &buf, buf.count, &result) == 0, result != nil, let name = pwd.pw_name else { return nil }
        return String(cString: name)
    }
}
