import Spec

/// Listening sockets (`ss -ltnup`) against the spec: every socket not on loopback must be one of
/// the spec's services on this host. A service listening behind the firewall is still found
/// here (the port scan cannot see it), and named with its process.
struct ListeningCheck: HostCheck {
    let name = "listening"

    func command(for host: Host, in context: AuditContext) -> String? { "sudo -n ss -Hltnup" }

    struct Socket: Equatable { var proto: String; var address: String; var port: Int; var process: String }

    /// One `ss -Hltnup` line: `tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))`.
    static func parse(_ line: Substring) -> Socket? {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count >= 5, f[0] == "tcp" || f[0] == "udp", let colon = f[4].lastIndex(of: ":"), let port = Int(f[4][f[4].index(after: colon)...]) else { return nil }
        var process = "?"
        if f.count >= 7, let q1 = f[6].firstIndex(of: "\""), let q2 = f[6][f[6].index(after: q1)...].firstIndex(of: "\"") {
            process = String(f[6][f[6].index(after: q1)..<q2].prefix(40))
        }
        return Socket(proto: String(f[0]), address: String(f[4][..<colon].prefix(60)), port: port, process: process)
    }

    static func loopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "[::1]" || address.hasSuffix("%lo") || address.hasPrefix("[::ffff:127.")
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        guard r.status == 0 else {
            return [finding(host, "listening sockets", .fail, expected: "ss -ltnup", found: String(r.stderr.prefix(300)), fix: "the admin needs sudo on the host")]
        }
        // SSH, and the agent: it runs on every host (the firewall decides who reaches it).
        var allowed: Set<String> = ["tcp/22", "tcp/\(context.spec.monitoring.agentPort.value)"]
        for s in context.spec.services where context.spec.service(s, runsOn: host) {
            for p in s.tcp { allowed.insert("tcp/\(p.value)") }
            for p in s.udp { allowed.insert("udp/\(p.value)") }
        }
        var seen: Set<String> = []
        let stray = Self.lines(r.stdout).compactMap(Self.parse).filter { !Self.loopback($0.address) && !allowed.contains("\($0.proto)/\($0.port)") }
            .filter { seen.insert("\($0.proto)/\($0.port)/\($0.process)").inserted }
        guard !stray.isEmpty else {
            return [finding(host, "listening sockets", .pass, expected: "only the spec's services (\(allowed.sorted().joined(separator: ", ")))", found: "none other")]
        }
        return stray.map { s in
            finding(host, "\(s.port)/\(s.proto) listening on \(s.address) (\(s.process))", .fail,
                    expected: "no service the spec does not name", found: "\(s.process) listens",
                    fix: "stop and disable it (`systemctl disable --now …`), or add it to services: in cluster.yaml with the networks that may reach it")
        }
    }
}
