import Spec

/// Users' homes private (security.homeMode) and project folders closed to non-members
/// (setgid 2770, the project's group), on the hosts that hold them.
struct HomesCheck: HostCheck {
    let name = "homes"

    func command(for host: Host, in context: AuditContext) -> String? {
        let spec = context.spec
        let holdsProjects = host.has(.nfsServer) && !spec.projects.isEmpty
        guard !spec.users.isEmpty || holdsProjects else { return nil }
        // Paths come from the validated spec (plain characters only); stat never follows a link.
        let homes = spec.users.map { "/home/\($0.name.value)" }
        let projects = holdsProjects ? spec.projects.map(\.path.value) : []
        return "sudo -n stat -c '%n %a %U %G %F' " + (homes + projects).joined(separator: " ") + " 2>&1; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let spec = context.spec
        var seen: [String: (mode: Int, owner: String, group: String, kind: String)] = [:]
        for line in Self.lines(r.stdout) {
            let f = line.split(separator: " ", maxSplits: 4)
            guard f.count == 5, let mode = Int(f[1], radix: 8) else { continue }
            seen[String(f[0])] = (mode, String(f[2]), String(f[3]), String(f[4]))
        }
        let allowed = spec.security.homeMode.value
        var out: [Finding] = []
        var open: [String] = []
        for u in spec.users {
            let path = "/home/\(u.name.value)"
            guard let s = seen[path] else { continue }   // no home on this host (e.g. NFS not mounted): nothing to judge
            if s.mode & 0o777 & ~allowed != 0 || s.owner != u.name.value {
                open.append("\(path) \(String(s.mode, radix: 8)) \(s.owner)")
            }
        }
        let modeText = "0" + String(allowed, radix: 8)
        out.append(finding(host, "users' homes", open.isEmpty ? .pass : .fail, expected: "each home its owner's, mode \(modeText) or stricter",
                           found: open.isEmpty ? "\(spec.users.filter { seen["/home/\($0.name.value)"] != nil }.count) private" : open.joined(separator: ", "),
                           fix: open.isEmpty ? nil : "re-apply (the users role); other users can read these homes"))
        if host.has(.nfsServer) {
            for p in spec.projects {
                let path = p.path.value
                guard let s = seen[path] else {
                    out.append(finding(host, "project \(p.name.value)", .fail, expected: "\(path): directory, root:\(p.name.value), 2770",
                                       found: "missing", fix: "re-apply (the projects role)"))
                    continue
                }
                let ok = s.kind == "directory" && s.group == p.name.value && s.owner == "root" && s.mode & 0o7777 == 0o2770
                out.append(finding(host, "project \(p.name.value)", ok ? .pass : .fail, expected: "\(path): directory, root:\(p.name.value), 2770",
                                   found: "\(s.kind), \(s.owner):\(s.group), \(String(s.mode & 0o7777, radix: 8))",
                                   fix: ok ? nil : "re-apply (the projects role)"))
            }
        }
        return out
    }
}
