import Foundation

/// One line of `ansible.posix.jsonl` output, reduced to what progress and summaries need.
public enum AnsibleEvent: Sendable, Equatable {
    case playStart(name: String)
    case taskStart(name: String)
    /// A handler ran (notified by a change): not one of `--list-tasks`' tasks.
    case handlerStart(name: String)
    /// A task (or handler) started on one host: what the callback reports under a strategy it
    /// does not know as lockstep (Mitogen's). `PlaybookRunner` folds these into one start per task.
    case runnerStart(taskID: String, name: String)
    /// A task finished on a host: ok (changed or not), failed, skipped or unreachable.
    case hostResult(host: String, task: String, outcome: Outcome, changed: Bool, message: String?, diff: String?)
    case stats([String: HostStats])
    /// What a `debug` task says to the admin on a host (e.g. why a role skips a part there).
    case note(host: String, message: String)

    public enum Outcome: String, Sendable { case ok, failed, skipped, unreachable }

    /// nil for events we do not use or lines that are not JSON (warnings on stdout).
    public static func parse(_ line: Substring) -> [AnsibleEvent]? {
        guard line.first == "{", let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let kind = obj["_event"] as? String else { return nil }
        let taskName = ((obj["task"] as? [String: Any])?["name"] as? String) ?? ""
        switch kind {
        case "v2_playbook_on_play_start":
            return [.playStart(name: ((obj["play"] as? [String: Any])?["name"] as? String) ?? "")]
        case "v2_playbook_on_task_start":
            return [.taskStart(name: taskName)]
        case "v2_playbook_on_handler_task_start":
            return [.handlerStart(name: taskName)]
        case "v2_runner_on_start":
            let id = ((obj["task"] as? [String: Any])?["id"] as? String) ?? taskName
            return [.runnerStart(taskID: String(id.prefix(100)), name: taskName)]
        case "v2_runner_on_ok", "v2_runner_on_failed", "v2_runner_on_skipped", "v2_runner_on_unreachable":
            let outcome: Outcome = kind.hasSuffix("failed") ? .failed : kind.hasSuffix("skipped") ? .skipped
                : kind.hasSuffix("unreachable") ? .unreachable : .ok
            let hosts = (obj["hosts"] as? [String: Any]) ?? [:]
            return hosts.keys.sorted().flatMap { host -> [AnsibleEvent] in
                let r = (hosts[host] as? [String: Any]) ?? [:]
                var outcome = outcome
                // `ignore_errors` results arrive as failed with "failed": true; loops report per item.
                if outcome == .ok, (r["failed"] as? Bool) == true { outcome = .failed }
                let result = AnsibleEvent.hostResult(host: host, task: taskName, outcome: outcome, changed: (r["changed"] as? Bool) ?? false,
                                                     message: Self.message(r), diff: Self.diffText(r["diff"]))
                // Only `debug` results carry `_ansible_verbose_always`: its msg is meant to be read.
                if outcome == .ok, (r["_ansible_verbose_always"] as? Bool) == true, let msg = r["msg"] as? String, !msg.isEmpty,
                   msg != "All assertions passed" {
                    return [result, .note(host: host, message: String(msg.prefix(500)))]
                }
                return [result]
            }
        case "v2_playbook_on_stats":
            let raw = (obj["stats"] as? [String: [String: Any]]) ?? [:]
            var out: [String: HostStats] = [:]
            for (host, s) in raw {
                func n(_ k: String) -> Int { (s[k] as? NSNumber)?.intValue ?? 0 }
                out[host] = HostStats(ok: n("ok"), changed: n("changed"), failed: n("failures"), unreachable: n("unreachable"),
                                      skipped: n("skipped"), rescued: n("rescued"), ignored: n("ignored"))
            }
            return [.stats(out)]
        default:
            return []
        }
    }

    /// Unified diff text from a module's `diff` (a dict or a list of dicts with before/after
    /// or a prepared diff), short enough to print.
    /// Ansible's `msg`; for a failed command ("non-zero return code") its last stderr line
    /// too, which is what says why.
    static func message(_ r: [String: Any]) -> String? {
        let msg = r["msg"] as? String
        guard let err = (r["stderr"] as? String)?.split(separator: "\n").last.map(String.init), !err.isEmpty else { return msg }
        return msg.map { "\($0): \(err)" } ?? err
    }

    static func diffText(_ any: Any?) -> String? {
        let items: [[String: Any]] = (any as? [[String: Any]]) ?? ((any as? [String: Any]).map { [$0] } ?? [])
        var out: [String] = []
        for d in items {
            if let p = d["prepared"] as? String { out.append(p); continue }
            let before = d["before"] as? String, after = d["after"] as? String
            guard before != nil || after != nil, before != after else { continue }
            let header = (d["after_header"] as? String) ?? (d["before_header"] as? String) ?? ""
            out.append(LineDiff.unified(before ?? "", after ?? "", header: header))
        }
        return out.isEmpty ? nil : out.joined(separator: "\n")
    }
}

public struct HostStats: Sendable, Equatable, Codable {
    public var ok, changed, failed, unreachable, skipped, rescued, ignored: Int
    public init(ok: Int = 0, changed: Int = 0, failed: Int = 0, unreachable: Int = 0, skipped: Int = 0, rescued: Int = 0, ignored: Int = 0) {
        self.ok = ok; self.changed = changed; self.failed = failed; self.unreachable = unreachable
        self.skipped = skipped; self.rescued = rescued; self.ignored = ignored
    }
}

/// A small line diff (removed `-`, added `+`), enough to show what drifted.
enum LineDiff {
    static func unified(_ a: String, _ b: String, header: String) -> String {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        // Longest common subsequence table (files here are small config files).
        guard x.count * y.count <= 4_000_000 else { return "--- \(header)\n(too large to diff)" }
        var lcs = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                lcs[i][j] = x[i] == y[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out = ["--- \(header) (now)", "+++ \(header) (spec)"]
        var i = 0, j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] { i += 1; j += 1 }
            else if j < y.count, i == x.count || lcs[i][j + 1] >= lcs[i + 1][j] { out.append("+" + y[j]); j += 1 }
            else { out.append("-" + x[i]); i += 1 }
        }
        return out.joined(separator: "\n")
    }
}
