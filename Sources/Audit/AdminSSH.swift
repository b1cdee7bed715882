import Foundation
import HostSystem

/// The admin's way into the hosts for the host checks: Debian's ssh client in batch mode, one
/// multiplexed master connection per host (ControlMaster in a private folder, closed at the
/// end), the admin's own config and key (`--ssh-config`, `--ssh-user`). Commands are
/// read-only; those that need root go through `sudo -n`.
public struct AdminSSH: Sendable {
    public var config: String?
    public var user: String?
    public var timeout: Double
    let controlDir: String

    public init(config: String? = nil, user: String? = nil, timeout: Double = 30) {
        self.config = config; self.user = user; self.timeout = timeout
        controlDir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-audit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    func arguments(_ address: String) -> [String] {
        var a = config.map { ["-F", $0] } ?? []
        a += ["-o", "BatchMode=yes", "-o", "ControlMaster=auto", "-o", "ControlPath=\(controlDir)/%C", "-o", "ControlPersist=120",
              "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-T"]
        if let user { a += ["-l", user] }
        return a + [address]
    }

    public func run(_ address: String, _ command: String) -> ShellResult {
        guard let ssh = CommandRunner.which("ssh") else { return ShellResult(status: 255, stdout: "", stderr: "no ssh client on this machine") }
        try? FileManager.default.createDirectory(atPath: controlDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard let out = try? CommandRunner.run(ssh, arguments(address) + ["--", command], timeout: .milliseconds(Int(timeout * 1000)),
                                               maxOutputBytes: 1 << 20) else {
            return ShellResult(status: 255, stdout: "", stderr: "cannot run ssh")
        }
        if out.timedOut { return ShellResult(status: 255, stdout: "", stderr: "timed out after \(Int(timeout)) s") }
        return ShellResult(status: out.exitCode ?? 255, stdout: out.stdout, stderr: out.stderr)
    }

    /// Ends every master connection this audit opened.
    public func closeAll() {
        guard let ssh = CommandRunner.which("ssh"), let sockets = try? FileManager.default.contentsOfDirectory(atPath: controlDir) else { return }
        for s in sockets {
            _ = try? CommandRunner.run(ssh, ["-o", "ControlPath=\(controlDir)/\(s)", "-O", "exit", "audit"], timeout: .seconds(5))
        }
        try? FileManager.default.removeItem(atPath: controlDir)
    }
}
