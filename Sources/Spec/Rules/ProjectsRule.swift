/// `projects:`: shared group folders. A gid of its own (outside users' and system ranges, so
/// NFS maps it to the same group everywhere), members who are users, a plain absolute path
/// outside homes and system folders, and an NFS server to hold it.
struct ProjectsRule: ValidationRule {
    let name = "projects"
    let summary = "projects have unique names and gids, known members, plain paths, and an NFS server"
    static let systemFolders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/root", "/run", "/sbin", "/sys", "/tmp",
                                "/usr", "/var"]

    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let projects = c.spec.projects
        guard !projects.isEmpty else { return }
        if c.spec.hosts(withRole: .nfsServer).isEmpty {
            d.error(c.spec.section("projects"), "projects need a host with the role 'nfs-server' to hold their folders")
        }
        var names: [String: Project] = [:], gids: [Int: String] = [:], paths: [String: String] = [:]
        for u in c.spec.users {
            gids[u.gid.value] = "user \(u.name.value)'s group"
            gids[u.uid.value] = gids[u.uid.value] ?? "user \(u.name.value)'s uid"
        }
        let users = Set(c.spec.users.map(\.name.value))
        for p in projects {
            let n = p.name.value
            if !n.isPortableAccountName {
                d.error(p.name.at, "project name '\(Diagnostic.printable(n))' is not a valid group name",
                        hint: "lowercase letters, digits, '-' and '_', starting with a letter (at most 32)")
            }
            if names[n] != nil { d.error(p.name.at, "project \(n) is defined twice") } else { names[n] = p }
            if users.contains(n) {
                d.error(p.name.at, "project \(n) has the name of a user: each user already has a group of that name")
            }
            if p.gid.value < 1000 || p.gid.value >= 60000 {
                d.error(p.gid.at, "project \(n): gid \(p.gid.value) is in Debian's system range", hint: "use a gid from 1000 to 59999")
            } else if let other = gids[p.gid.value] {
                d.error(p.gid.at, "project \(n): gid \(p.gid.value) is already \(other)",
                        hint: "with NFS, one number must mean one group on every machine")
            } else { gids[p.gid.value] = "project \(n)" }
            if p.members.isEmpty { d.error(p.location, "project \(n) has no members") }
            for m in p.members where !users.contains(m.value) {
                d.error(m.at, "project \(n): '\(Diagnostic.printable(m.value))' is not a user",
                        hint: Suggest.hint(for: m.value, in: c.spec.users.map(\.name.value)))
            }
            let path = p.path.value
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard RsyncServerCommand.isPlainAbsolutePath(path), parts.count >= 3, !parts.dropFirst().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
                d.error(p.path.at, "project \(n): path '\(Diagnostic.printable(path))' must be an absolute folder at least two levels deep, "
                        + "without '..', spaces or shell characters", hint: "e.g. \(Project.defaultPath(n))")
                continue
            }
            if let sys = Self.systemFolders.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
                d.error(p.path.at, "project \(n): \(path) is inside the system folder \(sys)", hint: "e.g. \(Project.defaultPath(n))")
            }
            if parts.count >= 3, parts[1] == "home", users.contains(String(parts[2])) {
                d.error(p.path.at, "project \(n): \(path) is inside \(parts[2])'s home, which only \(parts[2]) may enter")
            }
            if let other = paths[path] { d.error(p.path.at, "project \(n): \(path) is already project \(other)'s folder") } else { paths[path] = n }
            if !c.spec.nfs.exports.isEmpty, !c.spec.nfs.exports.contains(where: { path.hasPrefix($0.path.value.hasSuffix("/") ? $0.path.value : $0.path.value + "/") }) {
                d.warning(p.path.at, "project \(n): \(path) is under no NFS export, so only the NFS server has it",
                          hint: "add an export for its parent folder (e.g. { path: /srv/projects })")
            }
        }
    }
}
