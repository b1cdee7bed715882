import HostSystem
import Foundation

/// Runs `ansible-playbook` on a rendered project with the `ansible.posix.jsonl` callback and
/// folds its events into a `PlaybookRun`, reporting progress as it goes.
public struct PlaybookRunner: Sendable {
    public var project: String
    public var ansiblePlaybook: String
    /// The project's playbook to run: site.yml, or upgrade.yml and upgrade-finish.yml (`gpucluster upgrade`).
    public var playbook = "site.yml"
    public var check = false
    public var diff = false
    public var limit: String?
    public var tags: String?
    public var extraVars: [String] = []
    public var extraEnvironment: [String: String] = [:]

    public init(project: String, ansiblePlaybook: String) {
        self.project = project; self.ansiblePlaybook = ansiblePlaybook
    }

    var options: [String] {
        var a = ["-i", "\(project)/inventory/hosts.yml"]
        if check { a.append("--check") }
        if diff { a.append("--diff") }
        if let limit { a += ["--limit", limit] }
        if let tags { a += ["--tags", tags] }
        for v in extraVars { a += ["--extra-vars", v] }
        return a
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["ANSIBLE_CONFIG"] = "\(project)/ansible.cfg"
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.jsonl"
        env["ANSIBLE_NOCOLOR"] = "1"
        env["ANSIBLE_RETRY_FILES_ENABLED"] = "0"
        for (k, v) in extraEnvironment { env[k] = v }
        return env
    }

    /// Tasks the run will start (from `--list-tasks`), for "task n of m"; nil if unknown.
    public func countTasks() -> Int? { listTasks()?.count }

    /// The names of the tasks the run will start, in order (`--list-tasks`); nil if unknown.
    public func listTasks() -> [String]? {
        guard let r = try? CommandRunner.run(ansiblePlaybook, options + ["--list-tasks", "\(project)/\(playbook)"], timeout: .seconds(120),
                                             environment: environment.merging(["ANSIBLE_STDOUT_CALLBACK": "default"]) { $1 }),
              r.succeeded else { return nil }
        return Self.taskNames(listing: r.stdout)
    }

    static func taskNames(listing: String) -> [String] {
        listing.split(separator: "\n").filter { $0.contains("TAGS:") && !$0.contains("play #") }.compactMap { line in
            line.components(separatedBy: "\tTAGS:").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// The tasks `--list-tasks` lists (each play's implicit "Gathering Facts" is not among
    /// them, and `PlaybookRun` does not count it either: counting it ran past the total, "81 of 78").
    static func startedTasks(listing: String) -> Int { taskNames(listing: listing).count }

    /// `tasks`: the names `--list-tasks` gave, to tell a task from a handler when the callback
    /// reports starts per host (Mitogen's strategy); without them every start counts as a task.
    public func run(tasks: [String]? = nil, onEvent: (AnsibleEvent, PlaybookRun) -> Void) throws -> PlaybookRun {
        var state = PlaybookRun()
        let known = tasks.map(Set.init)
        var lastStarted: String?
        _ = try CommandRunner.streamLines(ansiblePlaybook, options + ["\(project)/\(playbook)"], environment: environment) { line in
            for raw in AnsibleEvent.parse(line) ?? [] {
                var e = raw
                if case .runnerStart(let id, let name) = raw {
                    // One start per task: the first host's (lockstep: every host runs task N before N+1).
                    guard id != lastStarted else { continue }
                    lastStarted = id
                    e = known.map { $0.contains(name) } ?? true || PlaybookRun.isImplicit(name) ? .taskStart(name: name) : .handlerStart(name: name)
                }
                state.apply(e)
                onEvent(e, state)
            }
        }
        return state
    }
}
