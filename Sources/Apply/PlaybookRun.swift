import HostSystem

/// What one `ansible-playbook` run did, folded from its events: per host counts, failures with
/// their messages, and (in check mode) which tasks would change what.
public struct PlaybookRun: Sendable {
    public struct Change: Sendable, Equatable {
        public var task: String
        public var diff: String?
    }

    public var tasksStarted = 0
    public var currentTask = ""
    public var stats: [String: HostStats] = [:]
    public var failures: [String: [String]] = [:]
    public var unreachable: [String: String] = [:]
    public var changes: [String: [Change]] = [:]
    public var sawStats = false

    public init() {}

    public mutating func apply(_ e: AnsibleEvent) {
        switch e {
        case .playStart: break
        case .taskStart(let name):
            tasksStarted += 1
            currentTask = name
        case .handlerStart(let name):
            currentTask = name
        case .hostResult(let host, let task, let outcome, let changed, let message, let diff):
            switch outcome {
            case .failed: failures[host, default: []].append("\(task): \(message ?? "failed")")
            case .unreachable: unreachable[host] = message ?? "unreachable"
            case .ok where changed: changes[host, default: []].append(Change(task: task, diff: diff))
            default: break
            }
        case .stats(let s):
            stats = s
            sawStats = true
        }
    }

    /// 0 all fine; 2 a task failed; 3 a host was unreachable (and nothing failed); 1 the run
    /// itself broke (no stats: syntax error, ansible-playbook missing).
    public var exitCode: Int32 {
        if !sawStats { return 1 }
        if stats.values.contains(where: { $0.failed > 0 }) { return 2 }
        if stats.values.contains(where: { $0.unreachable > 0 }) { return 3 }
        return 0
    }

    /// The per-host table printed at the end.
    public func summary() -> String {
        var out = "host".padding(toLength: 16, withPad: " ", startingAt: 0) + "    ok changed failed unreachable skipped\n"
        for host in stats.keys.sorted() {
            let s = stats[host] ?? HostStats()
            out += TerminalText.printable(host).padding(toLength: 16, withPad: " ", startingAt: 0)
            out += [s.ok, s.changed, s.failed, s.unreachable, s.skipped].enumerated().map { i, n in
                String(n).leftPad([6, 8, 7, 12, 8][i])
            }.joined() + "\n"
            // Messages come from the hosts (a link target a user chose, say): printable only.
            for f in failures[host] ?? [] { out += "  failed: \(TerminalText.printable(f))\n" }
            if let u = unreachable[host] { out += "  unreachable: \(TerminalText.printable(u))\n" }
        }
        return out
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
