import Foundation
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
    /// What `debug` tasks told the admin, per host (e.g. "… skipped: this host is a container").
    public var notes: [String: [String]] = [:]
    public var unreachable: [String: String] = [:]
    public var changes: [String: [Change]] = [:]
    public var sawStats = false

    public init() {}

    /// The task Ansible adds to every play that gathers facts; `--list-tasks` does not list it.
    public static func isImplicit(_ task: String) -> Bool { task == "Gathering Facts" }

    public mutating func apply(_ e: AnsibleEvent) {
        switch e {
        case .playStart: break
        case .taskStart(let name):
            if !Self.isImplicit(name) { tasksStarted += 1 }
            currentTask = name
        case .handlerStart(let name):
            currentTask = name
        case .runnerStart: break   // folded into taskStart/handlerStart by PlaybookRunner
        case .note(let host, let message): notes[host, default: []].append(message)
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

extension PlaybookRun {
    /// `apply --json`: the per-host summary for programs (and tests), one JSON object.
    public struct Summary: Codable, Sendable, Equatable {
        public struct Host: Codable, Sendable, Equatable {
            public var ok, changed, failed, unreachable, skipped: Int
            public var failures: [String]
            public var unreachableMessage: String?
            public var notes: [String]?
        }
        public var exitCode: Int32
        public var finished: Bool
        public var tasksStarted: Int
        public var hosts: [String: Host]
    }

    public var jsonSummary: Summary {
        var hosts: [String: Summary.Host] = [:]
        for (name, s) in stats {
            hosts[name] = Summary.Host(ok: s.ok, changed: s.changed, failed: s.failed, unreachable: s.unreachable, skipped: s.skipped,
                                       failures: failures[name] ?? [], unreachableMessage: unreachable[name], notes: notes[name])
        }
        return Summary(exitCode: exitCode, finished: sawStats, tasksStarted: tasksStarted, hosts: hosts)
    }

    /// The summary as JSON text (sorted keys, one line per field), ending in a newline.
    public func jsonText() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? enc.encode(jsonSummary)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// `drift`'s report: per host, matches / unreachable / each task that would change with its
    /// diff. Host files may hold what users wrote: every line is made printable.
    public func driftReport() -> (text: String, drifted: Bool) {
        var out = "", drifted = false
        for host in stats.keys.sorted() {
            let h = TerminalText.printable(host)
            let hostChanges = changes[host] ?? []
            if let u = unreachable[host] { out += "\(h): unreachable (\(TerminalText.printable(u)))\n"; continue }
            if hostChanges.isEmpty { out += "\(h): matches the spec\n"; continue }
            drifted = true
            out += "\(h): \(hostChanges.count) difference\(hostChanges.count == 1 ? "" : "s")\n"
            for c in hostChanges {
                out += "  ~ \(TerminalText.printable(c.task))\n"
                if let d = c.diff { out += d.split(separator: "\n").map { "      " + TerminalText.printable(String($0)) + "\n" }.joined() }
            }
        }
        return (out, drifted)
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
