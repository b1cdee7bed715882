import HostSystem
import Foundation

/// External tools the tests use (installed by scripts/test).
public enum Tools {
    public static func find(_ name: String) -> String? {
        let venv = Repo.path(".venv/bin/\(name)")
        if FileManager.default.isExecutableFile(atPath: venv) { return venv }
        return CommandRunner.which(name)
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

    /// Reads a /proc file (they report size 0, so read until EOF), at most 1 MiB.
    public static func procFile(_ path: String) -> String? { SmallFile.text(path, max: 1 << 20) }

    /// A free TCP port on 127.0.0.1 (bound and released; small race accepted in tests).
    public static func freePort() throws -> Int { try FreePort.loopback() }
}
