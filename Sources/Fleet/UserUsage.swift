import NodeReport
/// What one person holds right now: the per-user view and `/api/v1/users`.
public struct UserUsage: Sendable, Codable, Equatable {
    public var user: String
    /// "node:index" of every GPU they have a process on.
    public var gpus: [String]
    public var idleHeld: [String]
    public var nodes: [String]
    public var jobs: [String]
    public var memoryBytes: UInt64
    /// Earliest start of their GPU processes (Unix s).
    public var since: Double?

    public static func all(in snapshot: ClusterSnapshot) -> [UserUsage] {
        var byUser: [String: UserUsage] = [:]
        for g in snapshot.gpus where g.state == .busy || g.state == .idleHeld || g.state == .unhealthy {
            let here = "\(g.node):\(g.index)"
            for user in g.users {
                var u = byUser[user] ?? UserUsage(user: user, gpus: [], idleHeld: [], nodes: [], jobs: [], memoryBytes: 0, since: nil)
                if !u.gpus.contains(here) { u.gpus.append(here) }
                if g.state == .idleHeld, !u.idleHeld.contains(here) { u.idleHeld.append(here) }
                if !u.nodes.contains(g.node) { u.nodes.append(g.node) }
                for p in g.processes where p.user == user {
                    // Saturating: a sum of reported values must not trap.
                    let (sum, overflow) = u.memoryBytes.addingReportingOverflow(p.memoryBytes ?? 0)
                    u.memoryBytes = overflow ? .max : sum
                    if !u.jobs.contains(p.job) { u.jobs.append(p.job) }
                    if let s = p.startTime { u.since = min(u.since ?? s, s) }
                }
                byUser[user] = u
            }
        }
        return byUser.values.sorted { ($0.gpus.count, $1.user) > ($1.gpus.count, $0.user) }
    }
}
