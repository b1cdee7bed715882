/// NFSv4 home directories: one server, absolute paths, root_squash, never to a public network.
struct NFSExportsRule: ValidationRule {
    let name = "nfs"
    let summary = "exports have an nfs-server, absolute paths, root_squash, and internal networks only"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let exports = c.spec.nfs.exports
        guard !exports.isEmpty else { return }
        let server = c.spec.hosts(withRole: .nfsServer).first
        if server == nil {
            d.error(c.spec.section("nfs"), "nfs exports are defined but no host has the role 'nfs-server'")
        }
        for e in exports {
            if !e.path.value.hasPrefix("/") || e.path.value.split(separator: "/").contains("..") {
                d.error(e.path.at, "nfs export path '\(Diagnostic.printable(e.path.value))' must be absolute, without '..'")
            }
            for o in e.options {
                switch o.value {
                case "no_root_squash":
                    d.error(o.at, "nfs export \(e.path.value): no_root_squash lets root on any client act as root on the server",
                            hint: "use root_squash (the default)")
                case "insecure":
                    d.warning(o.at, "nfs export \(e.path.value): insecure accepts connections from unprivileged ports")
                case "no_subtree_check", "subtree_check", "rw", "ro", "sync", "async", "root_squash", "all_squash",
                     "secure", "wdelay", "no_wdelay", "crossmnt", "nohide":
                    break
                default:
                    d.error(o.at, "nfs export \(e.path.value): unknown option '\(Diagnostic.printable(o.value))'",
                            hint: Suggest.hint(for: o.value, in: ["rw", "ro", "sync", "root_squash", "no_subtree_check", "all_squash"]))
                }
            }
            for t in e.to {
                if let n = c.spec.network(named: t.value) {
                    if n.scope == .public {
                        d.error(t.at, "nfs export \(e.path.value) is offered to the public network \(n.name.value)",
                                hint: "NFS is inside-only: offer it to internal networks")
                    }
                } else {
                    d.error(t.at, "nfs export \(e.path.value): unknown network '\(Diagnostic.printable(t.value))'",
                            hint: Suggest.hint(for: t.value, in: c.spec.networks.map(\.name.value)))
                }
            }
        }
    }
}
