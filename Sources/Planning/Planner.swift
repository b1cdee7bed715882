import Spec

public enum Planner {
    /// spec → plan. Expects a spec that passed validation (it does not re-check it).
    public static func plan(_ spec: ClusterSpec) -> ClusterPlan {
        ClusterPlan(
            cluster: spec.cluster.name.value,
            os: spec.release.rawValue,
            users: spec.users.map { u in
                var keys: [String] = []
                if let g = u.github { keys.append("github:\(g.value)") }
                if !u.keys.isEmpty { keys.append("\(u.keys.count) inline") }
                return UserPlan(name: u.name.value, uid: u.uid.value, gid: u.gid.value,
                                keys: keys.isEmpty ? "none" : keys.joined(separator: " + "))
            },
            admins: spec.admins.map(\.value),
            hosts: Assignment.hosts(spec).map { plan($0, in: spec) })
    }

    /// Prints what `Assignment` decided; nothing about what a host gets is decided here.
    static func plan(_ assigned: HostAssignment, in spec: ClusterSpec) -> HostPlan {
        let h = assigned.host
        let roles = h.roles.map(\.value).sorted()
        return HostPlan(
            name: h.name.value,
            os: spec.release(of: h).rawValue,
            addresses: h.addresses.map { NamedAddress(network: $0.network.value, address: "\($0.address.value)") },
            roles: roles.map(\.rawValue),
            gpus: h.gpus?.value,
            tags: h.tags,
            serviceAccounts: assigned.serviceAccounts.map { ServiceAccountPlan(name: $0.name.value, uid: $0.uid.value, sudo: $0.sudo.map(\.value)) },
            applies: assigned.roles,
            runs: assigned.daemons,
            accepts: ports(assigned.accepts),
            logs: logs(h, spec),
            backup: backup(h, spec),
            nfs: nfs(h, spec))
    }

    static func ports(_ rules: [AcceptRule]) -> [PortPlan] {
        var grouped: [PortPlan] = []
        for r in rules {
            let label = PortSource(r.source)
            let except = r.except.map(PortSource.init)
            if let i = grouped.firstIndex(where: { $0.port == r.port && $0.proto == r.proto.rawValue && $0.service == r.service }) {
                grouped[i].from.append(label)
                grouped[i].except = Array(Set(grouped[i].except + except)).sorted()
            } else {
                grouped.append(PortPlan(port: r.port, proto: r.proto.rawValue, service: r.service, from: [label], except: except))
            }
        }
        return grouped
    }

    static func logs(_ h: Host, _ spec: ClusterSpec) -> String {
        let l = spec.logging
        guard let sink = spec.hosts(withRole: .logSink).first else { return "kept locally (no log-sink)" }
        if sink.name.value == h.name.value {
            return "sink: receives from \(spec.hosts.count - 1) hosts on \(l.proto.value.rawValue)/\(l.port.value)"
        }
        let shared = sink.addresses.first { h.address(on: $0.network.value) != nil }
        guard let target = shared else { return "kept locally (no network shared with \(sink.name.value))" }
        return "forwards to \(sink.name.value) (\(target.address.value)) over \(l.proto.value.rawValue)/\(l.port.value)"
            + (l.proto.value == .tcp ? " with a disk queue" : "")
    }

    static func backup(_ h: Host, _ spec: ClusterSpec) -> String? {
        guard let b = spec.backup else { return nil }
        let paths = b.paths.map(\.value).joined(separator: ", ")
        let keep = "keep \(b.keepDaily.value) daily, \(b.keepWeekly.value) weekly, \(b.keepMonthly.value) monthly"
        if h.name.value == b.server.value {
            return "server: pulls \(paths) from \(b.from.value) \(b.schedule.value); \(keep)"
        }
        if h.name.value == b.from.value {
            return "source: \(paths) pulled by \(b.server.value) \(b.schedule.value)"
                + (b.allowBastionAccess.value ? "" : "; cannot reach \(b.server.value)")
        }
        return nil
    }

    static func nfs(_ h: Host, _ spec: ClusterSpec) -> String? {
        let exports = spec.nfs.exports
        guard !exports.isEmpty, let server = spec.hosts(withRole: .nfsServer).first else { return nil }
        let paths = exports.map(\.path.value).joined(separator: ", ")
        if server.name.value == h.name.value { return "exports \(paths) (NFSv4, root_squash)" }
        // The nfs role mounts the exports on every other host (homes are everywhere).
        return "mounts \(paths) from \(server.name.value)"
    }
}
