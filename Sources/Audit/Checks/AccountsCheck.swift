import Spec

/// Local accounts against the spec: every user with the spec's uid and gid on every host, every
/// service account where the spec puts it, and no other account that can log in.
struct AccountsCheck: HostCheck {
    let name = "accounts"
    static let noLogin: Set<String> = ["/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false", "/bin/sync", ""]

    func command(for host: Host, in context: AuditContext) -> String? { "getent passwd" }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        struct Entry { var uid: Int; var gid: Int; var shell: String }
        var entries: [String: Entry] = [:]
        for line in Self.lines(r.stdout) {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count == 7, let uid = Int(f[2]), let gid = Int(f[3]) else { continue }
            entries[String(f[0])] = Entry(uid: uid, gid: gid, shell: String(f[6]))
        }
        var out: [Finding] = []
        var known: Set<String> = ["root"]
        for u in context.spec.users {
            let name = u.name.value
            known.insert(name)
            let want = "uid \(u.uid.value), gid \(u.gid.value)"
            guard let e = entries[name] else {
                out.append(finding(host, "account \(name)", .fail, expected: want, found: "missing", fix: "re-apply: the users role creates it"))
                continue
            }
            let got = "uid \(e.uid), gid \(e.gid)"
            out.append(finding(host, "account \(name)", got == want ? .pass : .fail, expected: want, found: got,
                               fix: got == want ? nil : "uids must match on every host (NFS homes): fix the account, chown its files, re-apply"))
        }
        for a in context.spec.serviceAccounts where context.spec.account(a, isOn: host) {
            known.insert(a.name.value)
            let found = entries[a.name.value].map { "uid \($0.uid)" } ?? "missing"
            out.append(finding(host, "service account \(a.name.value)", found == "uid \(a.uid.value)" ? .pass : .fail,
                               expected: "uid \(a.uid.value)", found: found, fix: "re-apply"))
        }
        let extra = entries.filter { !known.contains($0.key) && !Self.noLogin.contains($0.value.shell) && ($0.value.uid >= 1000 || $0.value.uid == 0) }
            .keys.sorted()
        out.append(finding(host, "accounts that can log in", extra.isEmpty ? .pass : .fail, expected: "only root and the spec's accounts",
                           found: extra.isEmpty ? "none other" : extra.joined(separator: ", "),
                           fix: extra.isEmpty ? nil : "add them to cluster.yaml (users:) or lock them (`usermod -s /usr/sbin/nologin NAME`)"))
        return out
    }
}
