import Spec

/// One play of the rendered `site.yml`: the Ansible roles a group of hosts gets, in order.
public struct Play: Sendable, Equatable {
    public var name: String
    /// The spec role whose hosts the play runs on; nil for every host.
    public var role: Spec.Role?
    public var roles: [String]

    /// The inventory group the play targets.
    public var hosts: String { role.map(Assignment.group) ?? "all" }
}

/// What one host gets, decided once: `render` writes it out (site.yml, inventory, host vars)
/// and `plan` prints it. Everything here is derived from the spec by pure functions.
public struct HostAssignment: Sendable {
    public var host: Spec.Host
    /// The Ansible roles applied to it, in play order.
    public var roles: [String]
    /// What runs there, each with the Ansible role that installs it.
    public var daemons: [Daemon]
    public var serviceAccounts: [ServiceAccount]
    public var accepts: [AcceptRule]
    /// Where Ansible (on the bastion) reaches it.
    public var managementAddress: String?
    /// Where Prometheus (on the monitor host) reaches its agent.
    public var agentAddress: String?
    /// Prometheus scrapes its agent: the spec's `agent` service is on it (not, say, on a backup
    /// server that refuses the monitor: scraping it would only raise a permanent AgentDown).
    public var agentScraped: Bool
    /// Where its node exporter listens, when the spec's `node-exporter` service runs on it.
    public var nodeExporterAddress: String?
    /// Users' homes live here, so their Python toolchains are built here.
    public var holdsHomes: Bool
    /// /home is mounted here from the NFS server (the nfs role mounts the exports on every other host).
    public var homeOnNFS: Bool
    /// On the dashboard host: the addresses whose held port shows process detail (the
    /// cluster's own networks) and those that do not (public networks).
    public var dashboardAddresses: (inside: [String], outside: [String])?
}

/// A daemon, timer or installed stack on a host, and the role that puts it there.
public struct Daemon: Sendable, Equatable, Codable {
    public var role: String
    /// The systemd unit (or package) the role installs and `plan` promises.
    public var unit: String
    public var text: String

    public init(role: String, unit: String, text: String) { self.role = role; self.unit = unit; self.text = text }
}

public enum Assignment {
    /// `site.yml`: which hosts get which roles. Every play is limited to its own hosts and
    /// reads no facts of others, so `--limit newnode` works. The firewall comes last in the
    /// first play: by then everything it must let through is installed.
    public static func plays(_ spec: ClusterSpec) -> [Play] {
        var everyHost = ["base", "kernel_hardening", "updates", "users", "sshd", "sudo", "auditd"]
        if !spec.hosts(withRole: .logSink).isEmpty { everyHost.append("rsyslog") }
        everyHost.append("smartd")
        if servesNFS(spec) { everyHost.append("nfs") }
        everyHost.append("python")
        everyHost.append("agent")
        if nodeExporter(spec) != nil { everyHost.append("node_exporter") }
        everyHost.append("firewall")
        var out = [Play(name: "Base system, kernel baseline, updates, accounts, SSH, sudo, audit, logs, disks, agent and firewall on every host",
                        role: nil, roles: everyHost)]
        if !spec.hosts(withRole: .compute).isEmpty {
            out.append(Play(name: "The NVIDIA driver stack on compute hosts", role: .compute, roles: ["nvidia_driver"]))
        }
        if spec.bastion != nil {
            // The bastion is the host a public network reaches (the lock-out rule keeps it so).
            out.append(Play(name: "Brute-force throttling on the bastion's public SSH", role: .bastion, roles: ["fail2ban"]))
        }
        if !spec.projects.isEmpty, !spec.hosts(withRole: .nfsServer).isEmpty {
            out.append(Play(name: "Project folders on the NFS server", role: .nfsServer, roles: ["projects"]))
        }
        if !spec.hosts(withRole: .monitor).isEmpty {
            // notify only with a chat to deliver to (monitoring.notify.slack).
            let notify = spec.monitoring.slackWebhookFile == nil ? [] : ["notify"]
            out.append(Play(name: "Prometheus, Alertmanager and notify on the monitor host", role: .monitor,
                            roles: ["prometheus", "alertmanager"] + notify))
        }
        if !spec.hosts(withRole: .dashboard).isEmpty {
            out.append(Play(name: "The dashboard", role: .dashboard, roles: ["dashboard"]))
        }
        if let b = spec.backup, spec.host(named: b.server.value) != nil {
            // Run it from the admins' network: the source (often the bastion) cannot reach the server.
            out.append(Play(name: "Backups, pulled by the server from \(b.from.value)", role: .backup, roles: ["backup"]))
        }
        return out
    }

    /// Ansible group names for roles: plural, so that no group is named like a host
    /// (`bastion`, `backup` are often both), and without dashes (not valid in group names).
    public static func group(_ r: Spec.Role) -> String {
        switch r {
        case .bastion: return "bastions"
        case .compute: return "compute"
        case .nfsServer: return "nfs_servers"
        case .logSink: return "log_sinks"
        case .monitor: return "monitors"
        case .dashboard: return "dashboards"
        case .backup: return "backup_servers"
        }
    }

    public static func hosts(_ spec: ClusterSpec) -> [HostAssignment] {
        let plays = plays(spec)
        return spec.hosts.map { host($0, spec, plays: plays) }
    }

    public static func host(_ h: Spec.Host, _ spec: ClusterSpec, plays: [Play]? = nil) -> HostAssignment {
        let roles = (plays ?? self.plays(spec)).filter { p in p.role.map(h.has) ?? true }.flatMap(\.roles)
        return HostAssignment(
            host: h, roles: roles, daemons: roles.flatMap { daemons(role: $0, on: h, spec) },
            serviceAccounts: spec.serviceAccounts.filter { spec.account($0, isOn: h) },
            accepts: spec.acceptRules(for: h),
            managementAddress: spec.address(of: h, seenFrom: spec.bastion).map { "\($0)" },
            agentAddress: spec.address(of: h, seenFrom: spec.hosts(withRole: .monitor).first ?? spec.bastion).map { "\($0)" },
            agentScraped: spec.services.first { $0.name.value == "agent" }.map { spec.service($0, runsOn: h) } ?? true,
            nodeExporterAddress: nodeExporter(spec).flatMap { s in
                spec.service(s, runsOn: h) ? spec.address(of: h, seenFrom: spec.hosts(withRole: .monitor).first ?? spec.bastion).map { "\($0)" } : nil
            },
            holdsHomes: holdsHomes(h, spec),
            homeOnNFS: servesNFS(spec) && !h.has(.nfsServer) && spec.nfs.exports.contains { $0.path.value == "/home" },
            dashboardAddresses: h.has(.dashboard) ? dashboardAddresses(h, spec) : nil)
    }

    static func dashboardAddresses(_ h: Spec.Host, _ spec: ClusterSpec) -> (inside: [String], outside: [String]) {
        let isPublic = { (a: HostAddress) in spec.network(named: a.network.value)?.scope == .public }
        return (h.addresses.filter { !isPublic($0) }.map { "\($0.address.value)" }, h.addresses.filter(isPublic).map { "\($0.address.value)" })
    }

    /// What an Ansible role runs on a host. Roles that only configure (base, users, sudo) run nothing.
    static func daemons(role: String, on h: Spec.Host, _ spec: ClusterSpec) -> [Daemon] {
        func d(_ unit: String, _ text: String) -> [Daemon] { [Daemon(role: role, unit: unit, text: text)] }
        switch role {
        case "sshd": return d("ssh", "sshd (keys only)")
        case "updates":
            let u = spec.security.updates
            guard u.securitySuite.value else { return d("gpucluster-updates.timer", "updates check (no security suite: spec turns it off)") }
            return d("unattended-upgrades", u.automatic.value ? "security updates daily (unattended-upgrades, never reboots)"
                     : "security suite, upgrades by hand") + d("gpucluster-updates.timer", "updates and reboot check (for the dashboard)")
        case "auditd": return d("auditd", "auditd (sudo, accounts, sshd config; to the log sink)")
        case "fail2ban":
            return spec.security.bruteForce.enabled.value
                ? d("fail2ban", "fail2ban on SSH (\(spec.security.bruteForce.maxRetry.value) failures; admin networks never banned)") : []
        case "firewall": return d("ufw", "ufw (default deny)")
        case "nvidia_driver":
            let nvswitch = h.nvswitch?.value == true
            return d("nvidia-persistenced", spec.gpu.on(spec.release(of: h)).summary(nvswitch: nvswitch))
                + (nvswitch ? d("nvidia-fabricmanager", "NVIDIA fabric manager (NVSwitch)") : [])
        case "rsyslog":
            return h.has(.logSink) ? d("rsyslog", "rsyslog (sink, \(spec.logging.proto.value.rawValue)/\(spec.logging.port.value))")
                : d("rsyslog", "rsyslog (client)")
        case "smartd": return d("smartmontools", "smartd (short \(spec.smart.short.value), long \(spec.smart.long.value))")
        case "agent": return d("gpucluster-agent", "gpucluster agent :\(spec.monitoring.agentPort.value)")
        case "node_exporter":
            guard let s = nodeExporter(spec), spec.service(s, runsOn: h), let port = s.tcp.first?.value else { return [] }
            return d("prometheus-node-exporter", "node exporter :\(port)")
        case "nfs":
            if h.has(.nfsServer) { return d("nfs-kernel-server", "nfs-server (NFSv4)") }
            return d("nfs-common", "NFS client (mounts \(spec.nfs.exports.map(\.path.value).joined(separator: ", ")))")
        case "python":
            return holdsHomes(h, spec) ? d("python_holds_homes", "per-user Python toolchains (in the homes here)") : []
        case "prometheus": return d("prometheus", "prometheus (keeps \(spec.monitoring.retentionDays.value)d)")
        case "alertmanager": return d("prometheus-alertmanager", "alertmanager")
        case "notify": return d("gpucluster-notify", "gpucluster notify → chat\(spec.monitoring.slackChannel.map { " \($0)" } ?? "")")
        case "dashboard": return d("gpucluster-dashboard", "gpucluster dashboard :\(spec.dashboard.port.value)")
        case "backup": return d("gpucluster-backup.timer", "gpucluster backup (timer)")
        default: return []
        }
    }

    /// The spec's `node-exporter` service (Debian's prometheus-node-exporter: CPU, memory,
    /// filesystems, network, NFS mounts), when it has one with a TCP port.
    public static func nodeExporter(_ spec: ClusterSpec) -> Service? {
        spec.services.first { $0.name.value == "node-exporter" && !$0.tcp.isEmpty }
    }

    static func servesNFS(_ spec: ClusterSpec) -> Bool {
        !spec.hosts(withRole: .nfsServer).isEmpty && !spec.nfs.exports.isEmpty
    }

    /// Where users' homes live: on the NFS server when it exports /home, else on every compute host.
    public static func holdsHomes(_ h: Spec.Host, _ spec: ClusterSpec) -> Bool {
        let homesOnNFS = !spec.hosts(withRole: .nfsServer).isEmpty && spec.nfs.exports.contains { $0.path.value == "/home" }
        return homesOnNFS ? h.has(.nfsServer) : h.has(.compute)
    }
}
