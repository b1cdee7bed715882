import Foundation
import HostSystem

/// Which authentication methods a server offers a user, from the server's own answer: the
/// OpenSSH client asks with the `none` method (RFC 4252 §5.2) and the server's refusal lists
/// what it would accept. No key, password or agent is offered.
public enum SSHAuthMethods {
    public struct Answer: Sendable, Equatable, Codable {
        public var user: String
        /// The methods the server offered (empty when it could not be asked).
        public var methods: [String]
        /// The server let `none` in: no authentication at all.
        public var loggedIn = false
        /// Why it could not be asked (no client, no connection, an unreadable answer).
        public var error: String?
    }

    /// The client's options: no identities, no agent, batch mode, no host key kept.
    static func clientOptions(port: Int, timeout: Double) -> [String] {
        ["-F", "/dev/null", "-T", "-a", "-x", "-o", "BatchMode=yes", "-o", "PreferredAuthentications=none",
         "-o", "IdentitiesOnly=yes", "-o", "IdentityFile=/dev/null", "-o", "IdentityAgent=none",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
         "-o", "ConnectTimeout=\(max(1, Int(timeout)))", "-o", "LogLevel=ERROR", "-p", String(port)]
    }

    /// Runs `ssh` (Debian's client) with no identities and batch mode, bounded by `timeout`.
    public static func ask(_ address: String, port: Int = 22, user: String, timeout: Double = 10, ssh: String? = nil) -> Answer {
        guard let ssh = ssh ?? CommandRunner.which("ssh") else { return Answer(user: user, methods: [], error: "no ssh client on this machine") }
        let args = clientOptions(port: port, timeout: timeout) + ["-l", user, address, "exit 0"]
        guard let out = try? CommandRunner.run(ssh, args, timeout: .milliseconds(Int(timeout * 1000) + 2000), maxOutputBytes: 1 << 16) else {
            return Answer(user: user, methods: [], error: "cannot run ssh")
        }
        return answer(user: user, status: out.timedOut ? 255 : (out.exitCode ?? 255), stderr: out.stderr)
    }

    /// What the client's exit status and stderr say.
    static func answer(user: String, status: Int32, stderr: String) -> Answer {
        if status == 0 { return Answer(user: user, methods: [], loggedIn: true) }
        if let methods = parse(stderr) { return Answer(user: user, methods: methods) }
        return Answer(user: user, methods: [], error: TerminalText.printable(stderr.trimmingCharacters(in: .whitespacesAndNewlines), max: 200))
    }

    /// "user@host: Permission denied (publickey,password)." → ["publickey", "password"].
    public static func parse(_ stderr: String) -> [String]? {
        guard let r = stderr.range(of: "Permission denied (") else { return nil }
        let rest = stderr[r.upperBound...].prefix(300)
        guard let close = rest.firstIndex(of: ")") else { return nil }
        let names = rest[..<close].split(separator: ",").map(String.init)
        guard !names.isEmpty, names.allSatisfy({ n in !n.isEmpty && n.count <= 40 && n.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-@.".contains($0)) } }) else { return nil }
        return names
    }
}
