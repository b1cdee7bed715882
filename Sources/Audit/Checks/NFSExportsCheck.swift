import Spec

/// What the NFS server really exports (`exportfs -v`) against the spec: every export path, to
/// the spec's networks only (by default the server's internal ones), with the spec's options.
struct NFSExportsCheck: HostCheck {
    let name = "nfs-exports"

    func command(for host: Host, in context: AuditContext) -> String? {
        guard host.has(.nfsServer), !context.spec.nfs.exports.isEmpty else { return nil }
        return "grep -qw nfsd /proc/filesystems && echo 'kernel nfsd' || echo 'kernel none'; systemctl is-active nfs-server; sudo -n /usr/sbin/exportfs -v 2>&1; true"
    }

    /// The networks an export goes to, as CIDR text.
    static func networks(_ e: NFSExport, server: Host, spec: ClusterSpec) -> Set<String> {
        let names = e.to.isEmpty ? server.addresses.map(\.network.value).filter { spec.network(named: $0)?.scope != .public } : e.to.map(\.value)
        return Set(names.compactMap { spec.network(named: $0).map { "\($0.cidr.value)" } })
    }

    /// `exportfs -v` lines ("/home  10.10.0.0/24(sync,rw,…)", the client on the next line after a long path) → path → client → options.
    static func parse(_ text: String) -> [String: [String: Set<String>]] {
        var out: [String: [String: Set<String>]] = [:]
        var path: String?
        for raw in lines(text) {
            var rest = raw.trimmingCharacters(in: .whitespaces)[...]
            if rest.hasPrefix("/") {
                let p = rest.prefix { $0 != " " && $0 != "\t" }
                path = String(p)
                rest = rest.dropFirst(p.count).drop { $0 == " " || $0 == "\t" }
            }
            guard let path, let open = rest.firstIndex(of: "("), rest.hasSuffix(")") else { continue }
            let client = String(rest[..<open])
            let options = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)].split(separator: ",").map(String.init)
            out[path, default: [:]][client] = Set(options)
        }
        return out
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let head = Self.lines(r.stdout).prefix(2).map(String.init)
        if head.first == "kernel none" {
            return [finding(host, "NFS exports", .skipped, expected: "the spec's exports", found: "not checked", fix: "this kernel has no NFS server (nfsd)")]
        }
        guard head.count == 2, head[1] == "active" else {
            return [finding(host, "NFS exports", .fail, expected: "nfs-server active", found: head.dropFirst().first ?? "unknown",
                            fix: "`systemctl status nfs-server` on \(host.name.value); re-apply")]
        }
        let exported = Self.parse(r.stdout)
        var out: [Finding] = []
        for e in context.spec.nfs.exports {
            let want = Self.networks(e, server: host, spec: context.spec)
            let subject = "export \(e.path.value)"
            let expected = "to \(want.sorted().joined(separator: ", ")) with \(e.options.map(\.value).joined(separator: ","))"
            guard let clients = exported[e.path.value] else {
                out.append(finding(host, subject, .fail, expected: expected, found: "not exported", fix: "re-apply, then `exportfs -ra`"))
                continue
            }
            var wrong: [String] = []
            for (client, options) in clients.sorted(by: { $0.key < $1.key }) {
                if !want.contains(client) { wrong.append("also to \(client)") }
                let missing = e.options.map(\.value).filter { !options.contains($0) }
                if !missing.isEmpty { wrong.append("\(client) without \(missing.joined(separator: ","))") }
            }
            for c in want where clients[c] == nil { wrong.append("not to \(c)") }
            out.append(finding(host, subject, wrong.isEmpty ? .pass : .fail, expected: expected,
                               found: wrong.isEmpty ? "as the spec" : wrong.joined(separator: "; "),
                               fix: wrong.isEmpty ? nil : "an export added by hand (/etc/exports, /etc/exports.d) or options changed: remove it, re-apply, `exportfs -ra`"))
        }
        return out
    }
}
