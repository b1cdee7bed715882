/// The core conditions the dashboard's own collector raises, for a lab without Prometheus:
/// a node down, a GPU lost or missing, a GPU unhealthy, a stale backup (none successful for
/// 26 h, as the Prometheus rule), a GPU held idle (a notice). Pure:
/// decided from a snapshot; `ConditionTracker` gives each a stable start across rounds.
public struct Condition: Sendable, Equatable, Hashable {
    public var name: String
    public var node: String
    /// The GPU's index, for GPU conditions.
    public var gpu: String?
    public var severity: String
    public var summary: String

    /// Which condition this is across rounds.
    public var key: String { [name, node, gpu ?? ""].joined(separator: "/") }

    /// A backup older than this is stale (the daily run missed, with two hours' grace).
    public static let backupMaxAge: Double = 26 * 3600

    public static func of(_ s: ClusterSnapshot) -> [Condition] {
        var out: [Condition] = []
        for n in s.nodes {
            if n.up, let last = n.backupLastSuccess, s.takenAt - last > backupMaxAge {
                out.append(Condition(name: "BackupStale", node: n.name, gpu: nil, severity: "critical",
                                     summary: "No successful backup for \(SnapshotBuilder.duration(s.takenAt - last)) (on \(n.name))"))
            }
            // Planned: an upgrade says so on the board, and nobody is paged for it.
            if n.maintenance != nil { continue }
            guard n.up else {
                out.append(Condition(name: "NodeDown", node: n.name, gpu: nil, severity: "critical",
                                     summary: "\(n.name) does not answer (\(n.problem ?? "agent unreachable"))"))
                continue
            }
            // The driver stack: one condition for the node, not one per GPU it took down.
            var driverTookGPUsDown = false
            if let d = n.driver, let summary = d.summary {
                driverTookGPUsDown = d.needsReboot || d.problems.contains(.moduleNotLoaded)
                let critical = d.problems.contains { $0 != .persistenceOff }
                out.append(Condition(name: "GPUDriverProblem", node: n.name, gpu: nil, severity: critical ? "critical" : "warning",
                                     summary: "\(n.name): \(summary)"))
            }
            for g in n.gpus {
                let index = String(g.index)
                switch g.state {
                case .down where driverTookGPUsDown:
                    break
                case .down:
                    let missing = g.uuid.hasPrefix("missing:")
                    out.append(Condition(name: missing ? "GPUMissing" : "GPULost", node: n.name, gpu: index, severity: "critical",
                                         summary: "GPU \(index) on \(n.name) is \(missing ? "missing (fewer than the spec's gpus:)" : "lost")"))
                case .unhealthy:
                    out.append(Condition(name: "GPUUnhealthy", node: n.name, gpu: index, severity: "critical",
                                         summary: "GPU \(index) on \(n.name) needs attention: \(g.reason ?? "unhealthy")"))
                case .idleHeld:
                    out.append(Condition(name: "IdleHeldGPU", node: n.name, gpu: index, severity: "info",
                                         summary: "\(g.users.joined(separator: ", ")) hold\(g.users.count == 1 ? "s" : "") GPU \(index) on \(n.name) idle"))
                case .free, .busy, .maintenance:
                    break
                }
            }
        }
        return out
    }
}

/// Conditions across rounds: when each began, and the ones that ended recently (reported as
/// resolved for a few rounds, so a report lost on the way is made good by the next one).
public struct ConditionTracker: Sendable {
    public struct Tracked: Sendable, Equatable {
        public var condition: Condition
        public var since: Double
        public var endedAt: Double?
    }

    var active: [String: Tracked] = [:]
    var ended: [String: (Tracked, rounds: Int)] = [:]
    let resendRounds: Int

    public init(resendRounds: Int = 5) { self.resendRounds = resendRounds }

    /// This round's firing and resolved conditions, in a stable order.
    public mutating func update(_ now: [Condition], at t: Double) -> (firing: [Tracked], resolved: [Tracked]) {
        let current = Dictionary(now.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for (key, tracked) in active where current[key] == nil {
            var done = tracked
            done.endedAt = t
            ended[key] = (done, resendRounds)
            active[key] = nil
        }
        for (key, c) in current {
            if active[key] == nil { active[key] = Tracked(condition: c, since: t); ended[key] = nil } else { active[key]?.condition = c }
        }
        let resolved = ended.values.map(\.0).sorted { $0.condition.key < $1.condition.key }
        for (key, e) in ended { ended[key] = e.rounds <= 1 ? nil : (e.0, e.rounds - 1) }
        return (active.values.sorted { $0.condition.key < $1.condition.key }, resolved)
    }
}
