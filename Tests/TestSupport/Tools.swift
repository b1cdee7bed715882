import HostSystem
import Foundation

/// External tools the tests use (installed by scripts/test).
public enum Tools {
    public static func find(_ name: String) -> String? {
        let venv = Repo.path(".venv/bin/\(name)")
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") + ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    public struct Result: Sendable { public var status: Int32; public var output: String; public var error: String }

    /// Runs a tool to completion, killed (with its process group) after `timeout`.
    public static func run(_ path: String, _ args: [String], stdin: String? = nil, environment: [String: String] = [:],
                           timeout: Double = 60) throws -> Result {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        var exe = path, argv = args
        if let stdin {
            let f = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString)").path
            try stdin.write(toFile: f, atomically: true, encoding: .utf8)
            exe = "/bin/sh"
            argv = ["-c", "exec \"$0\" \"$@\" < '\(f)'", path] + args
        }
        let o = try CommandRunner.run(exe, argv, timeout: .milliseconds(Int(timeout * 1000)), environment: env)
        return Result(status: o.timedOut ? -1 : (o.exitCode ?? -1), output: o.stdout, error: o.stderr)
    }

    /// Reads a /proc file (they report size 0, so read until EOF).
    public static func procFile(_ path: String) -> String? {
        guard let fh = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? fh.close() }
        return (try? fh.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A free TCP port on 127.0.0.1 (bound and released; small race accepted in tests).
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
