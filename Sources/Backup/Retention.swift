/// Which snapshots to keep: the newest in each of the last `daily` days, `weekly` weeks and
/// `monthly` months that have one (days, weeks from Monday, months in UTC), and always the
/// newest of all. Pure; the store deletes the rest.
public struct Retention: Sendable, Equatable {
    public var daily: Int
    public var weekly: Int
    public var monthly: Int

    public init(daily: Int, weekly: Int, monthly: Int) {
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
    }

    public struct Decision: Sendable, Equatable {
        /// Snapshot → why it is kept (`latest`, `daily`, `weekly`, `monthly`).
        public var keep: [SnapshotName: [String]]
        /// Oldest first.
        public var remove: [SnapshotName]
    }

    public func decide(_ snapshots: [SnapshotName]) -> Decision {
        let newestFirst = snapshots.sorted(by: >)
        var keep: [SnapshotName: [String]] = [:]
        if let latest = newestFirst.first { keep[latest, default: []].append("latest") }
        let buckets: [(String, Int, (SnapshotName) -> Int)] = [
            ("daily", daily, { $0.time.floorDiv(86_400) }),
            // 1970-01-01 was a Thursday: shifting by 3 days starts weeks on Monday.
            ("weekly", weekly, { ($0.time.floorDiv(86_400) + 3).floorDiv(7) }),
            ("monthly", monthly, { let f = $0.fields; return f.year * 12 + f.month }),
        ]
        for (reason, count, bucket) in buckets where count > 0 {
            var last: Int?
            var kept = 0
            for s in newestFirst {
                let b = bucket(s)
                if b == last { continue }
                last = b
                keep[s, default: []].append(reason)
                kept += 1
                if kept == count { break }
            }
        }
        return Decision(keep: keep, remove: snapshots.filter { keep[$0] == nil }.sorted())
    }
}

extension Int {
    /// Division rounding toward minus infinity (times before 1970 stay in the right bucket).
    func floorDiv(_ d: Int) -> Int { self >= 0 ? self / d : -((-self + d - 1) / d) }
}
