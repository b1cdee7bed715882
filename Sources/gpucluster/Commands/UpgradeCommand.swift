import Apply
import ArgumentParser
import Audit
import Foundation
import HostSystem
import Probe
import Spec

struct UpgradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade",
        abstract: "Upgrade hosts to the Debian release cluster.yaml says for them, in place, one at a time.",
        discussion: """
            First say the new release in cluster.yaml (`os: debian-13` for the host, or cluster.os) and \
            render again; `apply` then refuses those hosts until they are upgraded. Per host, in the \
            order given: the dashboard shows it upgrading (not down) from the start; apt's sources move \
            to the new release and its lists are read (a failure here puts everything back and stops); \
            Debian's upgrade runs non-interactively with the driver's holds let go; the host reboots; \
            site.yml is applied to it for its new release (the driver's new branch pinned and held); \
            audit checks it from here (agent, ports, SSH); then it is back in service and the next host \
            starts. The first failure stops the rollout; hosts after it are not touched. Run it again to \
            resume: a host already on its release skips the upgrade and is applied and checked. \
            Debian does not downgrade in place: rebuild such a host from cluster.yaml instead.

            Exit status: 0 all upgraded, 2 a host failed.
            """)

    @Option(help: "The rendered project (gpucluster render -o DIR); its cluster.yaml is the spec.") var project = "ansible"
    @Option(help: "The hosts to upgrade, in order (comma-separated names).") var limit: String
    @Option(help: "The release the hosts must be moving to (a check against cluster.yaml: debian-13).") var to: String?
    @Option(help: "ansible-playbook to run (default: from PATH).") var ansiblePlaybook = "ansible-playbook"
    @Option(name: [.customShort("e"), .long], help: "Extra variables for the playbooks (KEY=VALUE or @FILE), as ansible-playbook -e.")
    var extraVars: [String] = []
    @Option(name: .customLong("ssh-config"), help: "The ssh config for the checks' admin logins (as `ssh -F`).") var sshConfig: String?
    @Option(name: .customLong("ssh-user"), help: "Log in to the hosts as this admin for the checks (default: your ssh config's).") var sshUser: String?
    @OptionGroup var connection: ConnectionOptions

    /// The checks that say a host is back as cluster.yaml wants it.
    static let checks: Set<String> = ["agent", "ports", "ssh-algorithms", "ssh-auth", "sshd-config"]

    var hostNames: [String] { limit.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        let names = hostNames
        guard !names.isEmpty, names.count <= 1000, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 && !$0.hasPrefix("-") }) else {
            throw ValidationError("--limit takes host names, comma-separated")
        }
        guard Set(names).count == names.count else { throw ValidationError("--limit names a host twice") }
        for v in extraVars where v.isEmpty || v.utf8.count > 4096 || v.hasPrefix("-") || (!v.hasPrefix("@") && !v.contains("=")) {
            throw ValidationError("--extra-vars takes KEY=VALUE or @FILE: \(v.prefix(80))")
        }
        if let to, OSRelease(rawValue: to) == nil { throw ValidationError("--to must be \(OSRelease.supportedList)") }
    }

    func run() async throws {
        for f in ["upgrade.yml", "upgrade-finish.yml", "site.yml", "cluster.yaml"] where !FileManager.default.fileExists(atPath: "\(project)/\(f)") {
            throw ValidationError("\(project) has no \(f): render it again with this gpucluster (gpucluster render -o \(project))")
        }
        let input = try SpecInput.load("\(project)/cluster.yaml")
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        for name in hostNames {
            guard let h = spec.host(named: name) else { throw ValidationError("no host \(name) in \(project)/cluster.yaml") }
            let release = spec.release(of: h)
            if let to, release.rawValue != to {
                throw ValidationError("cluster.yaml says \(name) runs \(release.rawValue), not \(to): say `os: \(to)` for it (or cluster.os), render, then upgrade")
            }
        }
        guard let exe = CommandRunner.which(ansiblePlaybook) else {
            throw ValidationError("\(ansiblePlaybook) not found: pip install -r \(project)/requirements.txt")
        }
        var runner = PlaybookRunner(project: URL(fileURLWithPath: project).standardized.path, ansiblePlaybook: exe)
        runner.extraVars = extraVars
        try connection.configure(&runner, command: "upgrade")

        guard let vantage = AuditCheckCommand.vantage(spec) else { throw ValidationError("no route from here to any host of cluster.yaml") }
        let ssh = AdminSSH(config: sshConfig, user: sshUser)
        let rollout = ReleaseUpgrade(runner: runner, hosts: hostNames)
        let outcomes = await rollout.run(checks: { host in
            let context = AuditContext(spec: spec, vantage: vantage, hosts: [host], allTCP: false,
                                       probing: LiveProbing(ssh: ssh), progress: { _ in })
            return await AuditChecks.run(context, only: Self.checks).filter { $0.status == .fail }.map { f in
                TerminalText.printable("\(f.check) \(f.subject): expected \(f.expected), found \(f.found)")
            }
        }, say: { printError($0) })
        print(ReleaseUpgrade.report(outcomes, planned: hostNames), terminator: "")
        fflush(nil)
        if outcomes.contains(where: { $0.failed != nil }) { throw ExitCode(2) }
    }
}
