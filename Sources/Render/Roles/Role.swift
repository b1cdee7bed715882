import Spec

/// One concern of the cluster (base system, users, sshd, …) as an Ansible role, bundling its
/// own firewall needs. Adding a concern is adding a file here and listing it in `Roles.all`
/// (and in a play of `Roles.plays`).
protocol AnsibleRole: Sendable {
    var name: String { get }
    func files(_ spec: ClusterSpec) -> [RenderedFile]
}

extension AnsibleRole {
    /// `roles/NAME/{tasks,handlers,defaults,templates,files}` with the generated-file header.
    func role(tasks: String, handlers: String? = nil, defaults: String? = nil,
              templates: [(String, String)] = [], files: [(String, String)] = []) -> [RenderedFile] {
        var out = [RenderedFile("roles/\(name)/tasks/main.yml", AnsibleProject.header + "---\n" + tasks)]
        if let handlers { out.append(RenderedFile("roles/\(name)/handlers/main.yml", AnsibleProject.header + "---\n" + handlers)) }
        if let defaults { out.append(RenderedFile("roles/\(name)/defaults/main.yml", AnsibleProject.header + "---\n" + defaults)) }
        for (file, text) in templates { out.append(RenderedFile("roles/\(name)/templates/\(file)", text)) }
        for (file, text) in files {
            out.append(RenderedFile("roles/\(name)/files/\(file)", text, mode: text.hasPrefix("#!") ? "0755" : nil))
        }
        return out
    }
}

enum Roles {
    static let all: [any AnsibleRole] = [
        BaseRole(), UsersRole(), SSHDRole(), SudoRole(), RsyslogRole(), SmartdRole(), NFSRole(), PythonRole(), AgentRole(),
        FirewallRole(), PrometheusRole(), AlertmanagerRole(), DashboardRole(), BackupRole(),
    ]

    /// `site.yml`: which hosts get which roles. Every play is limited to its own hosts and
    /// reads no facts of others, so `--limit newnode` works. The firewall comes last in the
    /// first play: by then everything it must let through is installed.
    static func plays(_ spec: ClusterSpec) -> [(name: String, hosts: String, roles: [String])] {
        var everyHost = ["base", "users", "sshd", "sudo"]
        if !spec.hosts(withRole: .logSink).isEmpty { everyHost.append("rsyslog") }
        everyHost.append("smartd")
        if !spec.hosts(withRole: .nfsServer).isEmpty && !spec.nfs.exports.isEmpty { everyHost.append("nfs") }
        everyHost.append("python")
        everyHost += ["agent", "firewall"]
        var out = [("Base system, accounts, SSH, sudo, logs, disks, agent and firewall on every host", "all", everyHost)]
        if !spec.hosts(withRole: .monitor).isEmpty {
            out.append(("Prometheus and Alertmanager on the monitor host", "monitors", ["prometheus", "alertmanager"]))
        }
        if !spec.hosts(withRole: .dashboard).isEmpty {
            out.append(("The dashboard", "dashboards", ["dashboard"]))
        }
        if let b = spec.backup, spec.host(named: b.server.value) != nil {
            // Run it from the admins' network: the source (often the bastion) cannot reach the server.
            out.append(("Backups, pulled by the server from \(b.from.value)", "backup_servers", ["backup"]))
        }
        return out
    }
}
