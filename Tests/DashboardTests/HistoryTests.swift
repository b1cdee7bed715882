import NodeReport
import Foundation
import Testing
@testable import Fleet
@testable import History

/// The SQLite history: roll-ups, retention, the size cap and GPU-hours per user.
@Suite("History store")
struct HistoryTests {
    static func snapshot(at t: Double, free: Int, busyUser: String?, generation: Int) -> ClusterSnapshot {
        var b = SnapshotBuilder(policy: FreePolicy())
        let gpus = (0..<4).map { i -> GPUObservation in
            let held = i >= free
            let p = ProcessView(pid: 1, user: busyUser ?? "x", command: "c", memoryBytes: 1 << 30, job: "process 1", startTime: nil)
            return GPUObservation(index: i, uuid: "G\(i)", name: "A", memoryUsedBytes: held ? 2 << 30 : 0, memoryTotalBytes: 8 << 30,
                                  utilization: held ? 80 : 0, processCount: held ? 1 : 0, processes: held ? [p] : [],
                                  users: held ? [p.user] : [])
        }
        return b.build([NodeObservation(name: "n1", reachable: true, gpus: gpus)], now: t, generation: generation, source: "t")
    }

    static func tempDB() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).sqlite").path
    }

    @Test("rounds roll up into minutes and hours; the day, week and month views read them")
    func rollUps() async throws {
        let store = try HistoryStore(path: Self.tempDB())
        let start = 1_700_000_000.0 - 1_700_000_000.0.truncatingRemainder(dividingBy: 3600)
        // Three hours of 15 s rounds: 1 free GPU the first hour, 3 free after.
        var g = 0
        var t = start
        while t < start + 3 * 3600 {
            g += 1
            try await store.record(Self.snapshot(at: t, free: t < start + 3600 ? 1 : 3, busyUser: "alice", generation: g), interval: 15)
            t += 15
        }
        let stats = try await store.stats()
        #expect(stats.minuteRows == 179, "every finished minute but the current one: \(stats.minuteRows)")
        #expect(stats.hourRows == 2)
        let week = try await store.cluster(.week, now: t)
        #expect(week.map(\.free) == [1, 3])
        let day = try await store.cluster(.day, now: t)
        #expect(day.first?.free == 1 && day.last?.free == 3)
        #expect(day.allSatisfy { $0.gpus == 4 })
        // GPU-hours: 3 GPUs for 1 h + 1 GPU for 2 h = 5 (less the first round, which has no elapsed time).
        let hours = try await store.gpuHoursByUser(days: 2, now: t)
        let total = hours.filter { $0.user == "alice" }.map(\.gpuHours).reduce(0, +)
        #expect(abs(total - 5) < 0.02, "alice: \(total) GPU-hours")
        let util = try await store.utilizationByNode(.day, now: t)
        #expect(util["n1"]?.first?.util == 60 && util["n1"]?.last?.util == 20)
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test("raw rounds older than a day are dropped, minutes kept; a stopped dashboard bills nobody for the gap")
    func retention() async throws {
        let store = try HistoryStore(path: Self.tempDB())
        let t0 = 1_700_000_000.0
        try await store.record(Self.snapshot(at: t0, free: 0, busyUser: "bob", generation: 1), interval: 15)
        try await store.record(Self.snapshot(at: t0 + 15, free: 0, busyUser: "bob", generation: 2), interval: 15)
        // The dashboard was down for two days.
        try await store.record(Self.snapshot(at: t0 + 2 * 86_400, free: 0, busyUser: "bob", generation: 3), interval: 15)
        let s = try await store.stats()
        #expect(s.rawRows == 1, "raw rows older than a day are gone")
        #expect(s.minuteRows >= 1)
        let hours = try await store.gpuHoursByUser(days: 3, now: t0 + 2 * 86_400).map(\.gpuHours).reduce(0, +)
        // 4 GPUs × 15 s, plus at most 2 intervals for the gap round.
        #expect(hours <= 4 * 45 / 3600 + 1e-9, "\(hours)")
    }

    @Test("the size cap drops the oldest data first")
    func sizeCap() async throws {
        var r = HistoryStore.Retention()
        r.maxBytes = 96 << 10
        let store = try HistoryStore(path: Self.tempDB(), retention: r)
        var t = 1_700_000_000.0
        for g in 1...3000 {
            try await store.record(Self.snapshot(at: t, free: g % 4, busyUser: "u\(g % 7)", generation: g), interval: 300)
            t += 300
        }
        let s = try await store.stats()
        #expect(s.usedBytes <= r.maxBytes + (16 << 10), "used \(s.usedBytes)")
        // Ten days were written; the first ones had to go.
        #expect((s.oldest ?? 0) > 1_700_000_000 + 86_400, "the oldest day went first: oldest \(String(describing: s.oldest))")
        #expect(s.hourRows > 0 && s.rawRows > 0, "recent data stays")
    }

    @Test("a file that is not a database is refused with an error, and left as it was")
    func notADatabase() throws {
        let path = Self.tempDB()
        try Data("this is not sqlite".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) { _ = try HistoryStore(path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "this is not sqlite")
    }
}
