import Fleet
import Foundation
import GRDB

/// History in SQLite (WAL, so a kill -9 mid-write loses at most the round being written):
/// per node and round for a day, per minute for 30 days, per hour for a year, plus GPU-hours
/// per user per day. Rolled up as time passes; retention and a size cap enforced.
public final class HistoryStore: Sendable {
    public struct Retention: Sendable {
        public var raw: Double = 86_400
        public var minute: Double = 30 * 86_400
        public var hour: Double = 365 * 86_400
        public var userDays: Double = 400 * 86_400
        /// Above this the oldest data goes first (hours, then minutes).
        public var maxBytes: Int64 = 1 << 30
        public init() {}
    }

    let pool: DatabasePool
    public let path: String
    public let retention: Retention

    public init(path: String, retention: Retention = Retention()) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        config.busyMode = .timeout(5)
        pool = try DatabasePool(path: path, configuration: config)
        self.path = path
        self.retention = retention
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE node (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE raw (ts INTEGER NOT NULL, node INTEGER NOT NULL, gpus INTEGER NOT NULL,
                    free REAL NOT NULL, busy REAL NOT NULL, idle REAL NOT NULL, down REAL NOT NULL,
                    unhealthy REAL NOT NULL, util REAL, PRIMARY KEY (ts, node)) WITHOUT ROWID;
                CREATE TABLE minute (ts INTEGER NOT NULL, node INTEGER NOT NULL, gpus INTEGER NOT NULL,
                    free REAL NOT NULL, busy REAL NOT NULL, idle REAL NOT NULL, down REAL NOT NULL,
                    unhealthy REAL NOT NULL, util REAL, PRIMARY KEY (ts, node)) WITHOUT ROWID;
                CREATE TABLE hour (ts INTEGER NOT NULL, node INTEGER NOT NULL, gpus INTEGER NOT NULL,
                    free REAL NOT NULL, busy REAL NOT NULL, idle REAL NOT NULL, down REAL NOT NULL,
                    unhealthy REAL NOT NULL, util REAL, PRIMARY KEY (ts, node)) WITHOUT ROWID;
                CREATE TABLE user_day (day INTEGER NOT NULL, person INTEGER NOT NULL,
                    gpu_seconds REAL NOT NULL, idle_seconds REAL NOT NULL, PRIMARY KEY (day, person)) WITHOUT ROWID;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value REAL NOT NULL);
                """)
        }
        return m
    }

    // MARK: writing

    /// Adds one round. `interval` caps how much time one round's GPU-hours can claim (a
    /// dashboard that was stopped for a day must not bill that day to whoever held GPUs).
    public func record(_ s: ClusterSnapshot, interval: Double) async throws {
        let ts = Int64(s.takenAt)
        try await pool.write { db in
            let last = try Double.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'last_ts'")
            let elapsed = last.map { min(max(0, s.takenAt - $0), interval * 2) } ?? 0
            for n in s.nodes {
                let id = try Self.id(db, table: "node", name: n.name)
                var c: [GPUState: Double] = [:]
                for g in n.gpus { c[g.state, default: 0] += 1 }
                // Only what a page can draw is stored (the snapshot is bounded already; this keeps
                // the history safe from any other producer too).
                let utils = n.gpus.compactMap { $0.state == .down || $0.state == .maintenance ? nil : $0.utilization }.filter { $0.isFinite && (0...100).contains($0) }
                try db.execute(sql: """
                    INSERT OR REPLACE INTO raw (ts, node, gpus, free, busy, idle, down, unhealthy, util)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [ts, id, n.gpus.count, c[.free] ?? 0, c[.busy] ?? 0, c[.idleHeld] ?? 0,
                                     // History keeps one column for GPUs nobody can use: maintenance counts there.
                                     (c[.down] ?? 0) + (c[.maintenance] ?? 0), c[.unhealthy] ?? 0, utils.isEmpty ? nil : utils.reduce(0, +) / Double(utils.count)])
            }
            if elapsed > 0 {
                let day = Int64(s.takenAt / 86_400) * 86_400
                for u in UserUsage.all(in: s) {
                    let id = try Self.id(db, table: "person", name: u.user)
                    try db.execute(sql: """
                        INSERT INTO user_day (day, person, gpu_seconds, idle_seconds) VALUES (?, ?, ?, ?)
                        ON CONFLICT (day, person) DO UPDATE SET gpu_seconds = gpu_seconds + excluded.gpu_seconds,
                            idle_seconds = idle_seconds + excluded.idle_seconds
                        """, arguments: [day, id, Double(u.gpus.count) * elapsed, Double(u.idleHeld.count) * elapsed])
                }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_ts', ?)", arguments: [s.takenAt])
            try self.rollUp(db, now: ts)
        }
    }

    static func id(_ db: Database, table: String, name: String) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM \(table) WHERE name = ?", arguments: [name]) { return id }
        try db.execute(sql: "INSERT INTO \(table) (name) VALUES (?)", arguments: [name])
        return db.lastInsertedRowID
    }

    static let columns = "gpus, free, busy, idle, down, unhealthy, util"
    static let averages = "MAX(gpus), AVG(free), AVG(busy), AVG(idle), AVG(down), AVG(unhealthy), AVG(util)"

    /// Folds finished minutes into `minute` and finished hours into `hour`, then drops what
    /// is past retention. Cheap when nothing finished since the last call.
    func rollUp(_ db: Database, now: Int64) throws {
        if try fold(db, from: "raw", into: "minute", bucket: 60, doneKey: "minute_done", now: now) {
            try db.execute(sql: "DELETE FROM raw WHERE ts < ?", arguments: [now - Int64(retention.raw)])
        }
        if try fold(db, from: "minute", into: "hour", bucket: 3600, doneKey: "hour_done", now: now) {
            try db.execute(sql: "DELETE FROM minute WHERE ts < ?", arguments: [now - Int64(retention.minute)])
            try db.execute(sql: "DELETE FROM hour WHERE ts < ?", arguments: [now - Int64(retention.hour)])
            try db.execute(sql: "DELETE FROM user_day WHERE day < ?", arguments: [now - Int64(retention.userDays)])
            try enforceSize(db)
        }
    }

    /// Averages the finished buckets of `source` into `target`; false when none finished.
    func fold(_ db: Database, from source: String, into target: String, bucket: Int64, doneKey: String, now: Int64) throws -> Bool {
        let done = try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [doneKey]) ?? 0
        let current = now / bucket * bucket
        guard current > done else { return false }
        try db.execute(sql: """
            INSERT OR REPLACE INTO \(target) (ts, node, \(Self.columns))
            SELECT ts / \(bucket) * \(bucket), node, \(Self.averages) FROM \(source) WHERE ts >= ? AND ts < ? GROUP BY ts / \(bucket), node
            """, arguments: [done, current])
        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", arguments: [doneKey, current])
        return true
    }

    /// Drops the oldest day of hourly, then minute data until the used size fits the cap.
    func enforceSize(_ db: Database) throws {
        for table in ["hour", "minute", "raw"] {
            var guardRounds = 0
            while try Self.usedBytes(db) > retention.maxBytes, guardRounds < 400 {
                guardRounds += 1
                guard let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(ts) FROM \(table)") else { break }
                try db.execute(sql: "DELETE FROM \(table) WHERE ts < ?", arguments: [oldest + 86_400])
            }
        }
    }

    static func usedBytes(_ db: Database) throws -> Int64 {
        let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        return (pages - free) * size
    }

    // MARK: reading

    public struct Point: Sendable, Codable, Equatable {
        public var ts: Int64
        public var gpus: Double
        public var free: Double
        public var busy: Double
        public var idleHeld: Double
        public var down: Double
        public var unhealthy: Double
        public var utilization: Double?
    }

    public enum Range: String, Sendable, CaseIterable, Codable {
        case day = "24h", week = "7d", month = "30d"
        public var seconds: Int64 { switch self { case .day: 86_400; case .week: 7 * 86_400; case .month: 30 * 86_400 } }
        /// Minutes for a day, hours beyond.
        var table: String { self == .day ? "minute" : "hour" }
    }

    /// Whole-cluster counts over time (free GPUs etc.), newest last.
    public func cluster(_ range: Range, now: Double) async throws -> [Point] {
        try await pool.read { db in
            let from = Int64(now) - range.seconds
            var rows = try Row.fetchAll(db, sql: """
                SELECT ts, SUM(gpus) g, SUM(free) f, SUM(busy) b, SUM(idle) i, SUM(down) d, SUM(unhealthy) u, AVG(util) ut
                FROM \(range.table) WHERE ts >= ? GROUP BY ts ORDER BY ts
                """, arguments: [from])
            if range == .day {
                // The minute in progress, from raw rows, so a fresh dashboard shows something.
                rows += try Row.fetchAll(db, sql: """
                    SELECT ts, SUM(gpus) g, SUM(free) f, SUM(busy) b, SUM(idle) i, SUM(down) d, SUM(unhealthy) u, AVG(util) ut
                    FROM raw WHERE ts >= COALESCE((SELECT value FROM meta WHERE key = 'minute_done'), 0)
                    GROUP BY ts ORDER BY ts
                    """)
            }
            return rows.map { r in
                Point(ts: r["ts"], gpus: r["g"], free: r["f"], busy: r["b"], idleHeld: r["i"], down: r["d"],
                      unhealthy: r["u"], utilization: r["ut"])
            }
        }
    }

    /// Mean utilization per node over time.
    public func utilizationByNode(_ range: Range, now: Double) async throws -> [String: [(ts: Int64, util: Double)]] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT n.name, t.ts, t.util FROM \(range.table) t JOIN node n ON n.id = t.node
                WHERE t.ts >= ? AND t.util IS NOT NULL ORDER BY t.ts
                """, arguments: [Int64(now) - range.seconds])
            var out: [String: [(ts: Int64, util: Double)]] = [:]
            for r in rows { out[r["name"], default: []].append((r["ts"], r["util"])) }
            return out
        }
    }

    public struct UserDay: Sendable, Codable, Equatable {
        public var day: Int64
        public var user: String
        public var gpuHours: Double
        public var idleGPUHours: Double
    }

    public func gpuHoursByUser(days: Int, now: Double) async throws -> [UserDay] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.day, p.name, d.gpu_seconds, d.idle_seconds FROM user_day d JOIN person p ON p.id = d.person
                WHERE d.day >= ? ORDER BY d.day, p.name
                """, arguments: [Int64(now / 86_400) * 86_400 - Int64(days - 1) * 86_400]).map {
                UserDay(day: $0[0], user: $0[1], gpuHours: ($0[2] as Double) / 3600, idleGPUHours: ($0[3] as Double) / 3600)
            }
        }
    }

    public struct Stats: Sendable, Codable, Equatable {
        public var fileBytes: Int64
        public var usedBytes: Int64
        public var rawRows: Int
        public var minuteRows: Int
        public var hourRows: Int
        public var oldest: Int64?
    }

    /// Bytes on disk (database and WAL): cheap, for every page's footer.
    public var fileBytes: Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { sum, p in
            sum + ((try? FileManager.default.attributesOfItem(atPath: p)[.size] as? Int64) ?? 0)
        }
    }

    /// Sizes and row counts (counts scan the tables: for the history API, not every page).
    public func stats() async throws -> Stats {
        let file = fileBytes
        return try await pool.read { db in
            Stats(fileBytes: file, usedBytes: try Self.usedBytes(db),
                  rawRows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM raw") ?? 0,
                  minuteRows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM minute") ?? 0,
                  hourRows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hour") ?? 0,
                  oldest: try Int64.fetchOne(db, sql: "SELECT MIN(ts) FROM (SELECT MIN(ts) ts FROM hour UNION ALL SELECT MIN(ts) FROM minute UNION ALL SELECT MIN(ts) FROM raw)"))
        }
    }

    /// `PRAGMA integrity_check` (the kill -9 test asks it).
    public func integrityCheck() async throws -> String {
        try await pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?" }
    }
}
