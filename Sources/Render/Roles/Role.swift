import Spec

/// One concern of the cluster (base system, users, sshd, …) as an Ansible role, bundling its
/// own firewall needs. Adding a concern is adding a file here and listing it in `Roles.all`
/// (and in a play of `Assignment.plays`, Planning, which also says what it runs on a host).
protocol AnsibleRole: Sendable {
    var name: String { get }
    func files(_ spec: ClusterSpec) -> [RenderedFile]
}

extension AnsibleRole {
    /// `roles/NAME/{tasks,handlers,defaults,templates,files}` with the generated-file header.
    func role(tasks: String, handlers: String? = nil, defaults: String? = nil,
              templates: [(String, String)] = [], files: [(String, String)] = [], taskFiles: [(String, String)] = []) -> [RenderedFile] {
        var out = [RenderedFile("roles/\(name)/tasks/main.yml", AnsibleProject.header + "---\n" + tasks)]
        for (file, text) in taskFiles { out.append(RenderedFile("roles/\(name)/tasks/\(file)", AnsibleProject.header + "---\n" + text)) }
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
    /// Ansible's `ansible_virtualization_type` values of a container: what belongs to the
    /// machine (kernel modules, audit, the clock) is left to the machine there.
    static let containerTypes = "[systemd-nspawn, lxc, docker, podman, container]"

    static let all: [any AnsibleRole] = [
        BaseRole(), KernelHardeningRole(), UpdatesRole(), UsersRole(), SSHDRole(), SudoRole(), AuditdRole(), RsyslogRole(), SmartdRole(),
        NFSRole(), PythonRole(), AgentRole(), NodeExporterRole(), FirewallRole(), Fail2banRole(), ProjectsRole(), PrometheusRole(),
        AlertmanagerRole(), NotifyRole(), DashboardRole(), BackupRole(), NvidiaDriverRole(),
        // upgrade.yml's, not site.yml's (gpucluster upgrade).
        ReleaseUpgradeRole(),
    ]
}
