import Foundation
import GRDB

/// Every accepted notification, durably, before `notify` answers 2xx: SQLite in WAL mode with
/// `synchronous = FULL`, so a commit is on disk (fsync) when the webhook's answer leaves, and
/// a kill -9 loses nothing that was acknowledged. Messages leave in order per channel.
public final class Outbox: Sendable {
    public enum State: String, Sendable, Codable { case queued, sent, dead }

    public struct Message: Sendable, Equatable, Codable {
        public var id: Int64
        public var channel: String
        public var groupKey: String
        public var kind: String
        public var text: String
        /// The message whose chat thread this one replies in (a resolution in its firing's).
        public var threadOf: Int64?
        public var state: State
        public var attempts: Int
        public var nextAt: Double
        public var lastError: String?
        public var chatTS: String?
        public var createdAt: Double
    }

    public struct Accepted: Sendable, Equatable {
        public var messages: Int
        /// Alerts already announced (Alertmanager re-sends a group on every interval).
        public var duplicates: Int
        public init(messages: Int, duplicates: Int) { self.messages = messages; self.duplicates = duplicates }
    }

    public struct Counts: Sendable, Equatable, Codable {
        public var received = 0, duplicates = 0, delivered = 0, failedAttempts = 0, dead = 0
        public var queued = 0
        public var oldestQueuedAt: Double?
    }

    let queue: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        config.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: config)
        self.path = path
        try Self.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE alert (identity TEXT NOT NULL, starts_at TEXT NOT NULL, group_key TEXT NOT NULL,
                    firing_message INTEGER, resolved INTEGER NOT NULL DEFAULT 0, seen_at REAL NOT NULL,
                    PRIMARY KEY (identity, starts_at)) WITHOUT ROWID;
                CREATE TABLE message (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, group_key TEXT NOT NULL,
                    kind TEXT NOT NULL, text TEXT NOT NULL, thread_of INTEGER, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                    next_at REAL NOT NULL, last_error TEXT, chat_ts TEXT, created_at REAL NOT NULL, sent_at REAL);
                CREATE INDEX message_queue ON message (state, channel, id);
                CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return m
    }

    // MARK: accepting

    /// Stores what a webhook payload adds: a message for alerts not announced before (per
    /// alert, by fingerprint and start), one for alerts newly resolved (in the firing
    /// message's thread), nothing for re-sends. Returns once it is committed to disk.
    public func accept(_ w: AlertmanagerWebhook, channel: String, now: Double) throws -> Accepted {
        try queue.write { db in
            try Self.bump(db, "received")
            var newFiring: [AlertmanagerWebhook.Alert] = []
            var resolvedByThread: [Int64?: [AlertmanagerWebhook.Alert]] = [:]
            var threadOrder: [Int64?] = []
            var duplicates = 0
            for a in w.alerts {
                let row = try Row.fetchOne(db, sql: "SELECT firing_message, resolved FROM alert WHERE identity = ? AND starts_at = ?",
                                           arguments: [a.identity, a.startsAt])
                if a.status == "firing" {
                    if row == nil { newFiring.append(a) } else { duplicates += 1 }
                } else if let row, row["resolved"] as Int64? == 1 {
                    duplicates += 1
                } else {
                    let thread = row?["firing_message"] as Int64?
                    if resolvedByThread[thread] == nil { threadOrder.append(thread) }
                    resolvedByThread[thread, default: []].append(a)
                }
            }
            var created = 0
            if !newFiring.isEmpty {
                var first: Int64?
                for text in ChatText.parts(newFiring, resolved: false) {
                    let id = try Self.insert(db, channel: channel, group: w.groupKey, kind: "firing", text: text, threadOf: nil, now: now)
                    if first == nil { first = id }
                    created += 1
                }
                for a in newFiring {
                    try db.execute(sql: "INSERT INTO alert (identity, starts_at, group_key, firing_message, seen_at) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [a.identity, a.startsAt, w.groupKey, first, now])
                }
            }
            for thread in threadOrder {
                let alerts = resolvedByThread[thread] ?? []
                for text in ChatText.parts(alerts, resolved: true) {
                    _ = try Self.insert(db, channel: channel, group: w.groupKey, kind: "resolved", text: text, threadOf: thread, now: now)
                    created += 1
                }
                for a in alerts {
                    try db.execute(sql: """
                        INSERT INTO alert (identity, starts_at, group_key, resolved, seen_at) VALUES (?, ?, ?, 1, ?)
                        ON CONFLICT (identity, starts_at) DO UPDATE SET resolved = 1
                        """, arguments: [a.identity, a.startsAt, w.groupKey, now])
                }
            }
            if duplicates > 0 { try Self.bump(db, "duplicates", by: duplicates) }
            return Accepted(messages: created, duplicates: duplicates)
        }
    }

    /// A message that is not an alert (`notify send`, `notify smartd`, the embedded collector).
    @discardableResult
    public func enqueue(text: String, channel: String, kind: String = "info", group: String = "", now: Double) throws -> Int64 {
        try queue.write { db in
            try Self.bump(db, "received")
            return try Self.insert(db, channel: channel, group: group, kind: kind, text: text, threadOf: nil, now: now)
        }
    }

    static func insert(_ db: Database, channel: String, group: String, kind: String, text: String, threadOf: Int64?, now: Double) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO message (channel, group_key, kind, text, thread_of, state, next_at, created_at)
            VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)
            """, arguments: [channel, group, kind, text, threadOf, now, now])
        return db.lastInsertedRowID
    }

    static func bump(_ db: Database, _ name: String, by n: Int = 1) throws {
        try db.execute(sql: "INSERT INTO counter (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                       arguments: [name, n])
    }

    // MARK: delivering

    /// The oldest queued message of each channel (later ones wait: order is kept per channel).
    public func heads() throws -> [Message] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM message WHERE id IN (SELECT MIN(id) FROM message WHERE state = 'queued' GROUP BY channel) ORDER BY id
                """).map(Self.message)
        }
    }

    public func message(_ id: Int64) throws -> Message? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]).map(Self.message) }
    }

    public func markSent(_ id: Int64, chatTS: String?, now: Double) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE message SET state = 'sent', chat_ts = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                           arguments: [chatTS, now, id])
            try Self.bump(db, "delivered")
        }
    }

    public func markFailed(_ id: Int64, error: String, retryAt: Double) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE message SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?",
                           arguments: [String(error.prefix(500)), retryAt, id])
            try Self.bump(db, "failed_attempts")
        }
    }

    /// Gives up on a message; with a fallback channel, a copy goes there.
    public func markDead(_ id: Int64, error: String, fallback: String?, now: Double) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE message SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?",
                           arguments: [String(error.prefix(500)), id])
            try Self.bump(db, "dead")
            if let fallback, let m = try Row.fetchOne(db, sql: "SELECT * FROM message WHERE id = ?", arguments: [id]).map(Self.message),
               m.channel != fallback {
                _ = try Self.insert(db, channel: fallback, group: m.groupKey, kind: m.kind,
                                    text: "(undeliverable to \(m.channel): \(ChatText.escape(String(error.prefix(200)))))\n" + m.text,
                                    threadOf: nil, now: now)
            }
        }
    }

    // MARK: reading

    public func counts() throws -> Counts {
        try queue.read { db in
            var c = Counts()
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM counter") {
                let v: Int = row["value"]
                switch row["name"] as String {
                case "received": c.received = v
                case "duplicates": c.duplicates = v
                case "delivered": c.delivered = v
                case "failed_attempts": c.failedAttempts = v
                case "dead": c.dead = v
                default: break
                }
            }
            c.queued = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE state = 'queued'") ?? 0
            c.oldestQueuedAt = try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM message WHERE state = 'queued'")
            return c
        }
    }

    public func messages(state: State, limit: Int = 100) throws -> [Message] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message WHERE state = ? ORDER BY id DESC LIMIT ?", arguments: [state.rawValue, limit])
                .map(Self.message)
        }
    }

    static func message(_ r: Row) -> Message {
        Message(id: r["id"], channel: r["channel"], groupKey: r["group_key"], kind: r["kind"], text: r["text"], threadOf: r["thread_of"],
                state: State(rawValue: r["state"]) ?? .queued, attempts: r["attempts"], nextAt: r["next_at"], lastError: r["last_error"],
                chatTS: r["chat_ts"], createdAt: r["created_at"])
    }
}
