import Foundation
import HostSystem

/// `gpucluster upgrade`: Debian's major upgrade, one host at a time, each host finished and
/// checked before the next starts; the first failure stops the rollout and leaves the hosts
/// after it untouched. Per host:
///
/// 1. `upgrade.yml` (the release_upgrade role): maintenance mark, sources, full-upgrade, reboot;
/// 2. `site.yml` for the host: the spec applied for its new release (driver branch, paths);
/// 3. the checks the caller gives (agent up, SSH policy, firewall: audit's, from outside);
/// 4. `upgrade-finish.yml`: out of maintenance.
///
/// Ansible runs as `runner` says (the project, extra vars, strategy for site.yml); the upgrade
/// playbook itself runs under Ansible's linear strategy, whose reboot handling is its own.
public struct ReleaseUpgrade: Sendable {
    public enum Step: String, Sendable { case upgrade, apply, checks, finish }

    public struct HostOutcome: Sendable {
        public var host: String
        /// How long each step took (s), in order.
        public var seconds: [(Step, Double)] = []
        /// The step that failed, and why; nil when the host is done.
        public var failed: (step: Step, message: String)?
        public var total: Double { seconds.reduce(0) { $0 + $1.1 } }
    }

    public var runner: PlaybookRunner
    public var hosts: [String]

    public init(runner: PlaybookRunner, hosts: [String]) {
        self.runner = runner; self.hosts = hosts
    }

    /// Runs the rollout. `checks(host)` returns the failed checks' lines (empty: all passed);
    /// `say` gets progress lines. Returns one outcome per host started (the last may have failed).
    public func run(checks: @Sendable (String) async -> [String], say: @Sendable (String) -> Void) async -> [HostOutcome] {
        var out: [HostOutcome] = []
        for (i, host) in hosts.enumerated() {
            say("\(host): upgrade \(i + 1) of \(hosts.count)")
            var outcome = HostOutcome(host: host)
            func timed(_ step: Step, _ body: () async -> String?) async -> Bool {
                let start = Date()
                let problem = await body()
                outcome.seconds.append((step, Date().timeIntervalSince(start)))
                if let problem { outcome.failed = (step, problem) }
                return problem == nil
            }
            var ok = await timed(.upgrade) { play("upgrade.yml", host: host, linear: true, say: say) }
            if ok { ok = await timed(.apply) { play("site.yml", host: host, linear: false, say: say) } }
            if ok {
                ok = await timed(.checks) {
                    say("\(host): checking the host from outside (agent, SSH, firewall)")
                    let failed = await checks(host)
                    return failed.isEmpty ? nil : "checks failed: " + failed.joined(separator: "; ")
                }
            }
            if ok { ok = await timed(.finish) { play("upgrade-finish.yml", host: host, linear: true, say: say) } }
            out.append(outcome)
            if !ok { break }
            say("\(host): upgraded and checked in \(Self.duration(outcome.total))")
        }
        return out
    }

    /// One playbook on one host; nil when it went through, else what failed.
    func play(_ playbook: String, host: String, linear: Bool, say: (String) -> Void) -> String? {
        var r = runner
        r.playbook = playbook
        r.limit = host
        if linear { r.extraEnvironment["ANSIBLE_STRATEGY"] = "linear" }
        let tasks = r.listTasks()
        let progress = PlaybookProgress(total: tasks?.count)
        let result: PlaybookRun
        do {
            result = try r.run(tasks: tasks) { e, state in progress.lines(e, state).forEach(say) }
        } catch {
            return "\(playbook) did not run: \(error)"
        }
        if let u = result.unreachable[host] { return "\(playbook): \(host) unreachable: \(TerminalText.printable(u, max: 2000))" }
        if result.exitCode != 0 {
            // The last failure is the one that stopped it (a rescued one comes before it).
            let why = result.failures[host]?.last.map { TerminalText.printable($0, max: 2000) } ?? "ansible-playbook exited \(result.exitCode)"
            return "\(playbook): \(why)"
        }
        return nil
    }

    /// The rollout in words: one line per host started, and what to do about a failure.
    public static func report(_ outcomes: [HostOutcome], planned: [String]) -> String {
        var s = ""
        for o in outcomes {
            let steps = o.seconds.map { "\($0.0.rawValue) \(duration($0.1))" }.joined(separator: ", ")
            if let f = o.failed {
                s += "\(TerminalText.printable(o.host, max: 64)): FAILED at \(f.step.rawValue) after \(duration(o.total)) (\(steps))\n  \(f.message)\n"
                s += "  " + advice(f.step, host: o.host) + "\n"
            } else {
                s += "\(TerminalText.printable(o.host, max: 64)): upgraded in \(duration(o.total)) (\(steps))\n"
            }
        }
        let untouched = planned.dropFirst(outcomes.count)
        if !untouched.isEmpty { s += "not started (rollout stopped): \(untouched.map { TerminalText.printable($0, max: 64) }.joined(separator: ", "))\n" }
        return s
    }

    static func advice(_ step: Step, host: String) -> String {
        switch step {
        case .upgrade:
            return "if the message says sources were put back, the host is as it was (and out of maintenance): fix the cause, run upgrade again; "
                + "otherwise it stays in maintenance: repair it (dpkg --configure -a; apt-get -f install) and run upgrade again, it resumes"
        case .apply: return "the host runs its new release but not yet all of cluster.yaml: fix the failing task, run upgrade again (it applies and checks)"
        case .checks: return "the host is applied but failed a check: see `gpucluster audit check --host \(host)`, fix, run upgrade again"
        case .finish: return "everything passed but the maintenance mark could not be removed: run upgrade again"
        }
    }

    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "?" }
        return s < 60 ? String(format: "%.1f s", s) : "\(Int(s) / 60) min \(String(format: "%02d", Int(s) % 60)) s"
    }
}
