import NodeReport
import Spec

/// Security updates as the spec says (security.updates): the security origin in
/// unattended-upgrades' patterns, daily runs on or off, and the updates check's answer
/// (a host that needs a reboot is named, not failed: when to reboot is the admins' call).
struct UpdatesCheck: HostCheck {
    let name = "updates"

    func command(for host: Host, in context: AuditContext) -> String? {
        guard context.spec.security.updates.securitySuite.value else { return nil }
        return "apt-config dump Unattended-Upgrade::Origins-Pattern APT::Periodic::Unattended-Upgrade 2>/dev/null; echo '--- state'; "
            + "cat /var/lib/gpucluster/updates.state 2>/dev/null | head -c 4096; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let parts = r.stdout.components(separatedBy: "--- state\n")
        let config = Self.lines(parts[0]).map(String.init)
        let security = config.contains { $0.hasPrefix("Unattended-Upgrade::Origins-Pattern") && $0.contains("label=Debian-Security") }
        let others = config.filter { $0.hasPrefix("Unattended-Upgrade::Origins-Pattern::") && !$0.contains("label=Debian-Security") }
        let periodic = config.first { $0.hasPrefix("APT::Periodic::Unattended-Upgrade ") }.map { $0.contains("\"1\"") } ?? false
        let automatic = context.spec.security.updates.automatic.value
        var out: [Finding] = []
        let ok = security && others.isEmpty && periodic == automatic
        out.append(finding(host, "unattended-upgrades", ok ? .pass : .fail,
                           expected: "the security origin only, daily runs \(automatic ? "on" : "off")",
                           found: "\(security ? "security origin" : "no security origin")\(others.isEmpty ? "" : ", also \(others.count) other origins"), "
                               + "daily runs \(periodic ? "on" : "off")",
                           fix: ok ? nil : "re-apply (the updates role)"))
        let state = parts.count > 1 ? UpdatesStatus.parse(parts[1]) : nil
        out.append(finding(host, "updates check", state == nil ? .fail : .pass, expected: "a recent answer in /var/lib/gpucluster/updates.state",
                           found: state.map { $0.summary ?? "nothing pending, no reboot needed" } ?? "no state file",
                           fix: state == nil ? "systemctl status gpucluster-updates.timer on \(host.name.value); re-apply" : nil))
        return out
    }
}
