import Apply
import ArgumentParser

extension ConnectionStrategy: ExpressibleByArgument {}
import HostSystem
import Foundation

/// Options shared by `apply` and `drift`.
struct PlaybookOptions: ParsableArguments {
    @Option(help: "The rendered project (gpucluster render -o DIR).") var project = "ansible"
    @Option(help: "Only these hosts (Ansible --limit pattern).") var limit: String?
    @Option(help: "Only tasks with these tags.") var tags: String?
    @Option(help: "ansible-playbook to run (default: from PATH).") var ansiblePlaybook = "ansible-playbook"
    @Option(name: [.customShort("e"), .long], help: "Extra variables for the playbook (KEY=VALUE or @FILE), as ansible-playbook -e.")
    var extraVars: [String] = []

    func validate() throws {
        guard FileManager.default.fileExists(atPath: "\(project)/site.yml"),
              FileManager.default.fileExists(atPath: "\(project)/inventory/hosts.yml") else {
            throw ValidationError("\(project) is not a rendered project (no site.yml / inventory/hosts.yml); run `gpucluster render -o \(project)` first")
        }
        for v in [limit, tags].compactMap({ $0 }) where v.isEmpty || v.utf8.count > 1024 || v.hasPrefix("-") {
            throw ValidationError("--limit and --tags take a pattern, not an option: \(v)")
        }
        for v in extraVars where v.isEmpty || v.utf8.count > 4096 || v.hasPrefix("-") || (!v.hasPrefix("@") && !v.contains("=")) {
            throw ValidationError("--extra-vars takes KEY=VALUE or @FILE: \(v.prefix(80))")
        }
    }

    func runner(check: Bool, diff: Bool) throws -> PlaybookRunner {
        guard let exe = CommandRunner.which(ansiblePlaybook) else {
            throw ValidationError("\(ansiblePlaybook) not found: pip install -r \(project)/requirements.txt")
        }
        var r = PlaybookRunner(project: URL(fileURLWithPath: project).standardized.path, ansiblePlaybook: exe)
        r.check = check; r.diff = diff; r.limit = limit; r.tags = tags; r.extraVars = extraVars
        return r
    }
}

/// How Ansible reaches the hosts, for `apply` and `drift` alike (check mode behaves the same
/// under Mitogen: the lab's drift steps run under it).
struct ConnectionOptions: ParsableArguments {
    @Option(help: "How Ansible reaches the hosts: auto (Mitogen when installed, else linear), mitogen, or linear (Ansible's own).")
    var strategy: ConnectionStrategy = .auto
    @Option(help: "Hosts worked on at once (default: ansible.cfg's, every host up to 50).") var forks: Int?

    func validate() throws {
        if let f = forks, !(1...500).contains(f) { throw ValidationError("--forks must be 1…500") }
    }

    /// The runner with the chosen strategy's environment; says on stderr when it fell back.
    func configure(_ runner: inout PlaybookRunner, command: String) throws {
        let chosen: (env: [String: String], note: String?)
        do { chosen = try strategy.environment(ansiblePlaybook: runner.ansiblePlaybook) } catch {
            throw ValidationError("--strategy mitogen: \(error)")
        }
        if let note = chosen.note { printError("\(command): \(note)") }
        runner.extraEnvironment.merge(chosen.env) { $1 }
        if let forks { runner.extraEnvironment["ANSIBLE_FORKS"] = String(forks) }
    }
}

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Run the rendered Ansible project: progress per task and host, then a summary.",
        discussion: "Exit status: 0 all hosts fine, 2 a task failed, 3 a host was unreachable, 1 the run itself failed.")

    @OptionGroup var options: PlaybookOptions
    @Flag(help: "Check mode: change nothing (see also `gpucluster drift`).") var check = false
    @Flag(help: "Print the per-host summary as JSON on stdout (progress stays on stderr).") var json = false
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        var runner = try options.runner(check: check, diff: false)
        try connection.configure(&runner, command: "apply")
        let tasks = runner.listTasks()
        let progress = PlaybookProgress(total: tasks?.count)
        let result = try runner.run(tasks: tasks) { e, state in progress.lines(e, state).forEach(printError) }
        print(json ? result.jsonText() : result.summary(), terminator: "")
        if result.exitCode == 1 { printError("apply: ansible-playbook did not finish (see its messages above)") }
        fflush(nil)   // the summary reaches a pipe before the exit status does
        throw ExitCode(result.exitCode)
    }
}

struct DriftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "What differs from the spec, per host (check mode with diff; changes nothing).",
        discussion: """
        Ansible's check mode exits 0 even when things would change, so drift reads the results:
        exit 2 when any host drifted, 3 when a host was unreachable, 0 when all match.
        """)

    @OptionGroup var options: PlaybookOptions
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        var runner = try options.runner(check: true, diff: true)
        try connection.configure(&runner, command: "drift")
        let result = try runner.run { e, _ in
            if case .hostResult(let host, let task, .failed, _, let message, _) = e { printError("\(host): \(task) failed: \(TerminalText.printable(message ?? ""))") }
        }
        guard result.sawStats else {
            printError("drift: ansible-playbook did not finish (see its messages above)")
            throw ExitCode(1)
        }
        let report = result.driftReport()
        print(report.text, terminator: "")
        fflush(nil)
        if report.drifted { throw ExitCode(2) }
        throw ExitCode(result.exitCode)
    }
}
