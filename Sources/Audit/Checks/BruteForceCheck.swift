import Spec

/// fail2ban's SSH jail on the bastion (security.bruteForce): running, and never banning the
/// admin networks.
struct BruteForceCheck: HostCheck {
    let name = "brute-force"

    func command(for host: Host, in context: AuditContext) -> String? {
        guard host.has(.bastion), context.spec.security.bruteForce.enabled.value else { return nil }
        return "sudo -n fail2ban-client status sshd 2>&1 | head -n 20; echo '--- ignore'; sudo -n fail2ban-client get sshd ignoreip 2>&1 | head -n 50; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let parts = r.stdout.components(separatedBy: "--- ignore\n")
        let running = parts[0].contains("Status for the jail: sshd")
        let ignored = parts.count > 1 ? parts[1] : ""
        let admin = context.spec.adminNetworks.compactMap { context.spec.network(named: $0).map { "\($0.cidr.value)" } }
        let missing = admin.filter { !ignored.contains($0) }
        let ok = running && missing.isEmpty
        return [finding(host, "fail2ban sshd jail", ok ? .pass : .fail,
                        expected: "running; never bans \(admin.joined(separator: ", "))",
                        found: running ? (missing.isEmpty ? "running" : "running, would ban \(missing.joined(separator: ", "))")
                            : "not running: \(parts[0].prefix(200))",
                        fix: ok ? nil : "re-apply (the fail2ban role); `fail2ban-client status sshd` on \(host.name.value)")]
    }
}
