import Foundation
import Probe

/// The probes run from a cluster host (`audit --from HOST`): over the admin's SSH, the host's
/// own `gpucluster audit scan` / `audit hello` (the agent role installs the command on every
/// host) and its ssh client. Host checks still log in from here.
public struct RemoteProbing: Probing {
    public var from: String
    public var ssh: AdminSSH
    public var gpucluster: String

    public init(from address: String, ssh: AdminSSH, gpucluster: String = "/usr/local/bin/gpucluster") {
        self.from = address; self.ssh = ssh; self.gpucluster = gpucluster
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    struct Scan: Decodable { var tcp: [String: String]; var udp: [String: String] }

    func scan(_ address: String, tcp: [Int], udp: [Int]) throws -> Scan {
        guard IPv4Socket.isAddress(address) else { throw Failure(description: "not an IPv4 address: \(address)") }
        let r = ssh.run(from, "\(gpucluster) audit scan \(address) --tcp '\(PortList.format(tcp))' --udp '\(PortList.format(udp))' --json")
        guard r.status == 0 else { throw Failure(description: "audit scan on \(from): \(r.stderr.prefix(300))") }
        return try JSONDecoder().decode(Scan.self, from: Data(r.stdout.utf8))
    }

    static func states(_ m: [String: String]) -> [Int: PortState] {
        Dictionary(m.compactMap { k, v in Int(k).flatMap { p in (1...65535).contains(p) ? PortState(rawValue: v).map { (p, $0) } : nil } },
                   uniquingKeysWith: { a, _ in a })
    }

    public func tcp(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void) throws -> [Int: PortState] {
        Self.states(try scan(address, tcp: ports, udp: []).tcp)
    }

    public func udp(_ address: String, ports: [Int]) -> [Int: PortState] {
        (try? scan(address, tcp: [], udp: ports)).map { Self.states($0.udp) } ?? [:]
    }

    public func sshHello(_ address: String, port: Int) throws -> SSHServerHello {
        guard IPv4Socket.isAddress(address) else { throw Failure(description: "not an IPv4 address: \(address)") }
        let r = ssh.run(from, "\(gpucluster) audit hello \(address) --port \(port)")
        guard r.status == 0 else { throw Failure(description: "audit hello on \(from): \(r.stderr.prefix(300))") }
        return try JSONDecoder().decode(SSHServerHello.self, from: Data(r.stdout.utf8))
    }

    public func sshMethods(_ address: String, port: Int, user: String) -> SSHAuthMethods.Answer {
        guard IPv4Socket.isAddress(address), user.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            return SSHAuthMethods.Answer(user: user, methods: [], error: "refused to pass \(user)@\(address) to a shell")
        }
        let command = (["ssh"] + SSHAuthMethods.clientOptions(port: port, timeout: 10) + ["-l", user, address, "'exit 0'"]).joined(separator: " ")
        let r = ssh.run(from, command)
        return SSHAuthMethods.answer(user: user, status: r.status, stderr: r.stderr)
    }

    public func shell(_ address: String, _ command: String) -> ShellResult { ssh.run(address, command) }
    public func finish() { ssh.closeAll() }
}
