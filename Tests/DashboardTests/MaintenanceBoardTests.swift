import Agent
import Fleet
@testable import FleetSources
import Foundation
import NodeReport
import Testing
@testable import Dashboard

/// A host `gpucluster upgrade` took out of service: the agent reads the mark, the dashboard
/// shows it in maintenance ("upgrading Debian 12 → 13"), not down, also while it reboots, and
/// pages nobody; the mark's file is outside input like any other.
@Suite("Maintenance (upgrades) on the board")
struct MaintenanceBoardTests {
    static let now = 1_800_000_000.0

    @Test("the state file: what the upgrade role writes is read back; anything else is dropped")
    func parse() {
        let m = Maintenance(kind: .upgrade, since: Self.now - 60, fromRelease: 12, toRelease: 13)
        #expect(Maintenance.parse(m.fileText) == m)
        #expect(m.summary == "upgrading Debian 12 → 13")
        // Hostile or broken files: no version, no start, huge numbers, free text, control bytes.
        #expect(Maintenance.parse("kind upgrade\nsince 100\n") == nil)
        #expect(Maintenance.parse("version 1\nkind upgrade\n") == nil)
        #expect(Maintenance.parse("version 1\nkind upgrade\nsince 99999999999999999999\n") == nil)
        #expect(Maintenance.parse("version 1\nkind upgrade\nsince -5\n") == nil)
        let odd = Maintenance.parse("version 1\nkind <script>alert(1)</script>\nsince 100\nfrom 1e9\nto \u{1b}[31m13\n")
        #expect(odd?.kind == .other && odd?.fromRelease == nil && odd?.toRelease == nil && odd?.summary == "in maintenance")
        #expect(Maintenance(kind: .upgrade, since: .infinity).fileText.contains("since 0"), "no trap on a time that is not one")
    }

    @Test("the agent reports the mark and exports it (0 in service, so the alert rules see it end)")
    func collector() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("maint-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/maintenance.state"
        let c = MaintenanceCollector(statePath: path)
        var s = NodeSnapshot(hostname: "gpu01", agentVersion: "t", collectedAt: Self.now, expectedGPUs: 1)
        c.collect(&s)
        var m = MetricSet()
        c.export(s, &m)
        #expect(s.maintenance == nil)
        #expect(m.render().contains("gpucluster_maintenance 0"), "\(m.render())")
        try Maintenance(kind: .upgrade, since: Self.now - 30, fromRelease: 12, toRelease: 13).fileText.write(toFile: path, atomically: true, encoding: .utf8)
        c.collect(&s)
        m = MetricSet()
        c.export(s, &m)
        #expect(s.maintenance?.toRelease == 13)
        #expect(m.render().contains("gpucluster_maintenance 1") && m.render().contains("gpucluster_maintenance_start_timestamp_seconds{kind=\"upgrade\",from_release=\"12\",to_release=\"13\"} 1799999970"), "\(m.render())")
        // A file far too big is not read at all.
        try String(repeating: "x", count: 100_000).write(toFile: path, atomically: true, encoding: .utf8)
        c.collect(&s)
        #expect(s.maintenance == nil)
    }

    static func observation(reachable: Bool, maintenance: Maintenance?) -> NodeObservation {
        var o = NodeObservation(name: "gpu01", expectedGPUs: 2, reachable: reachable, problem: reachable ? nil : "timed out after 2 s",
                                lastSeen: now - 10, gpus: [GPUObservation(index: 0, uuid: "GPU-a", name: "H100"),
                                                          GPUObservation(index: 1, uuid: "GPU-b", name: "H100")])
        o.maintenance = maintenance
        return o
    }

    @Test("in maintenance, also through the reboot: GPUs not free and not down, no NodeDown condition; past the limit it is down")
    func throughTheReboot() {
        let m = Maintenance(kind: .upgrade, since: Self.now - 120, fromRelease: 12, toRelease: 13)
        var memory = NodeMemory()
        let target = AgentTarget(name: "gpu01", endpoint: "10.0.0.1:9400", expectedGPUs: 2)
        var builder = SnapshotBuilder(policy: FreePolicy())
        // The last report before the reboot says maintenance; then the agent does not answer.
        let before = memory.record(target, .success(Self.observation(reachable: true, maintenance: m)), now: Self.now)
        let during = memory.record(target, .failure(FetchProblem(message: "connection refused")), now: Self.now + 30)
        #expect(during.maintenance == m, "the last report's mark is kept while unreachable")
        for o in [before, during] {
            let s = builder.build([o], now: Self.now + 30, generation: 1, source: "test")
            #expect(s.gpus.allSatisfy { $0.state == .maintenance && $0.reason == "upgrading Debian 12 → 13" }, "\(s.gpus.map(\.state))")
            #expect(s.totals.maintenance == 2 && s.totals.down == 0 && s.totals.free == 0 && s.slots.allSatisfy { $0.nodes.isEmpty })
            #expect(Condition.of(s).isEmpty, "planned work pages nobody: \(Condition.of(s))")
            let row = BoardView.row(s.nodes[0], now: Self.now + 30)
            #expect(row.contains("data-maintenance=\"upgrade\"") && row.contains("upgrading Debian 12 → 13 for 2 min") && !row.contains("data-down"))
            let text = TerminalBoard(color: false, now: Self.now + 30).render(s)
            #expect(text.contains("UPGRADING DEBIAN 12 → 13 for 2 min") && text.contains("2 in maintenance") && !text.contains("DOWN"), "\(text)")
        }
        // Hours later and still not answering: the upgrade went wrong, the host is down (and paged).
        let late = Self.now + SnapshotBuilder.maintenanceUnreachableLimit + 60
        let s = builder.build([during], now: late, generation: 2, source: "test")
        #expect(s.gpus.allSatisfy { $0.state == .down } && s.nodes[0].maintenance == nil)
        #expect(Condition.of(s).contains { $0.name == "NodeDown" })
        // Back in service: the next report has no mark, and the GPUs are free again.
        let after = memory.record(target, .success(Self.observation(reachable: true, maintenance: nil)), now: Self.now + 300)
        let s2 = builder.build([after], now: Self.now + 300, generation: 3, source: "test")
        #expect(s2.totals.free == 2 && s2.nodes[0].maintenance == nil)
    }

    @Test("bounds: a start time that is not a plausible time is dropped and named")
    func bounded() {
        let o = Self.observation(reachable: true, maintenance: Maintenance(kind: .upgrade, since: Self.now + 86400 * 365)).bounded(now: Self.now)
        #expect(o.maintenance == nil && (o.dataProblem ?? "").contains("maintenance since"))
    }

    @Test("a hostile Prometheus: maintenance samples with a bad start time are dropped; odd kinds and release labels are not believed")
    func hostilePrometheus() {
        let source = PrometheusSource(baseURL: "http://127.0.0.1:1", targets: [AgentTarget(name: "gpu01", endpoint: "10.0.0.1:9400", expectedGPUs: 2)],
                                      queries: PrometheusQueries(idleWindowSeconds: 600, idleRatio: 0.05, scrapeIntervalSeconds: 15))
        let q = source.queries
        // The source bounds what it reads by the clock: a start time a minute ago.
        let now = (Date().timeIntervalSince1970 - 60).rounded()
        func maintenance(_ labels: [String: String], _ value: Double) -> Maintenance? {
            let up = PromSample(labels: ["node": "gpu01"], value: 1)
            var all = ["node": "gpu01", "kind": "upgrade", "from_release": "12", "to_release": "13"]
            all.merge(labels) { $1 }
            return source.assemble([q.up: [up], q.maintenance: [PromSample(labels: all, value: value)]]).first?.maintenance
        }
        #expect(maintenance([:], now) == Maintenance(kind: .upgrade, since: now, fromRelease: 12, toRelease: 13))
        for bad in [Double.nan, .infinity, -.infinity, 0, -5, 1e300] {
            #expect(maintenance([:], bad) == nil, "start time \(bad)")
        }
        let odd = maintenance(["kind": "<img src=x onerror=alert(1)>", "from_release": "-1", "to_release": "+13"], now)
        #expect(odd?.kind == .other && odd?.fromRelease == nil && odd?.toRelease == nil && odd?.summary == "in maintenance", "\(String(describing: odd))")
        for release in ["1e3", " 12", "12 ", "9999", "0x0d", "١٢", ""] {
            #expect(maintenance(["to_release": release], now)?.toRelease == nil, "to_release \(release.debugDescription)")
        }
    }
}
