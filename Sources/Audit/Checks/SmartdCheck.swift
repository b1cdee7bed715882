import Spec

/// smartd running with the spec's test schedule (`smart.short`, `smart.long`) in the config it
/// reads, on every host with disks to watch.
struct SmartdCheck: HostCheck {
    let name = "smartd"

    func command(for host: Host, in context: AuditContext) -> String? {
        "systemd-detect-virt --container >/dev/null 2>&1 && echo 'container yes' || echo 'container no'; "
            + "systemctl is-active smartmontools; grep -E '^[[:space:]]*DEVICESCAN' /etc/smartd.conf 2>/dev/null | head -n 5; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let l = Self.lines(r.stdout).map(String.init)
        let short = context.spec.smart.short.value.smartdPattern(testType: "S"), long = context.spec.smart.long.value.smartdPattern(testType: "L")
        let expected = "smartmontools active, tests \(short) and \(long)"
        let scheduled = l.dropFirst(2).contains { $0.contains(short) && $0.contains(long) }
        if l.first == "container yes" {
            // A container has no disks of its own: smartd stops itself; only the schedule is checked.
            return [finding(host, "smartd", scheduled ? .pass : .fail, expected: "tests \(short) and \(long) (a container: smartd does not run)",
                            found: scheduled ? "scheduled" : "not in /etc/smartd.conf", fix: scheduled ? nil : "re-apply (the smartd role)")]
        }
        let active = l.dropFirst().first == "active"
        return [finding(host, "smartd", active && scheduled ? .pass : .fail, expected: expected,
                        found: "\(active ? "active" : "not active"), \(scheduled ? "scheduled" : "schedule not in /etc/smartd.conf")",
                        fix: active && scheduled ? nil : "`systemctl status smartmontools` on \(host.name.value); re-apply")]
    }
}
