import Spec

/// sudo as the spec says: `visudo -c` passes, every admin has sudo, no other user does, and a
/// service account's rules are the spec's exact commands, without a wildcard.
struct SudoCheck: HostCheck {
    let name = "sudo"

    func command(for host: Host, in context: AuditContext) -> String? {
        var script = "sudo -n /usr/sbin/visudo -c >/dev/null 2>&1; echo \"visudo $?\"; "
        let names = context.spec.users.map(\.name.value) + context.spec.serviceAccounts.filter { context.spec.account($0, isOn: host) }.map(\.name.value)
        for n in names {
            // Names are the spec's (validated: lowercase letters, digits, '-', '_'); quoted anyway.
            script += "echo '=== \(n)'; sudo -n sudo -l -U '\(n)' 2>&1 | tail -n 40; "
        }
        return script
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        var out: [Finding] = []
        let visudo = r.stdout.split(separator: "\n").first { $0.hasPrefix("visudo ") }
        out.append(finding(host, "visudo -c", visudo == "visudo 0" ? .pass : .fail, expected: "the sudoers files parse",
                           found: visudo.map { $0 == "visudo 0" ? "parsed" : "exit \($0.dropFirst(7))" } ?? "not run",
                           fix: "`visudo -c` on the host names the broken file; re-apply"))
        var sections: [String: [Substring]] = [:]
        var current: String?
        for line in Self.lines(r.stdout) {
            if line.hasPrefix("=== ") { current = String(line.dropFirst(4)); sections[current ?? ""] = [] } else if let c = current { sections[c, default: []].append(line) }
        }
        let admins = Set(context.spec.admins.map(\.value))
        for u in context.spec.users {
            let lines = sections[u.name.value] ?? []
            let may = !lines.contains { $0.contains("is not allowed to run sudo") } && lines.contains { $0.contains("(ALL") }
            let isAdmin = admins.contains(u.name.value)
            out.append(finding(host, "sudo for \(u.name.value)", may == isAdmin ? .pass : .fail,
                               expected: isAdmin ? "sudo (an admin)" : "no sudo", found: may ? "may run commands as root" : "no sudo",
                               fix: may == isAdmin ? nil : (isAdmin ? "re-apply (the sudo role)" : "remove \(u.name.value) from the sudo group and any sudoers rule, then re-apply")))
        }
        for a in context.spec.serviceAccounts where context.spec.account(a, isOn: host) {
            let rules = (sections[a.name.value] ?? []).filter { $0.contains("NOPASSWD:") || $0.hasPrefix("    (") }
            let wildcard = rules.filter { $0.contains("*") || $0.contains("ALL") && !$0.contains("(root)") }
            let missing = a.sudo.map(\.value).filter { cmd in !rules.contains { $0.contains(cmd) } }
            let ok = wildcard.isEmpty && missing.isEmpty
            out.append(finding(host, "sudo for service account \(a.name.value)", ok ? .pass : .fail,
                               expected: "exactly the spec's \(a.sudo.count) command(s), no wildcard",
                               found: ok ? "as the spec" : (wildcard.map { "wildcard: \($0.trimmingCharacters(in: .whitespaces))" } + missing.map { "missing: \($0)" }).joined(separator: "; "),
                               fix: ok ? nil : "a wildcard lets the account pass its own arguments as root: write exact commands in serviceAccounts.sudo, re-apply"))
        }
        return out
    }
}
