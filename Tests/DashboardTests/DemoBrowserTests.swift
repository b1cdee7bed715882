import Demo
import Fleet
import Foundation
import Testing
import TestSupport

/// `gpucluster demo` in headless Chromium (Debian's package), driven over the DevTools
/// protocol by Tests/browser/cdp.py.
@Suite("Demo in a real browser", .serialized)
struct DemoBrowserTests {
    struct PageState: Decodable {
        struct Cell: Decodable { var uuid: String; var state: String; var node: String?; var text: String }
        var generation: Int
        var firstGeneration: Int
        var updates: Int
        var free: Int?
        var total: Int?
        var headline: String?
        var banner: String?
        var imgs: Int
        var cells: [Cell]
        var dialogs: [String?]
        var exceptions: [String?]
        var seconds: Double
    }

    static func browse(_ url: String, updates: Int, screenshot: String? = nil) throws -> PageState {
        let python = Repo.path(".venv/bin/python")
        var args = [Repo.path("Tests/browser/cdp.py"), url, "--updates", String(updates), "--timeout", "30"]
        if let screenshot { args += ["--screenshot", screenshot] }
        let r = try Tools.run(python, args, timeout: 90)
        guard r.status == 0 else { throw LoopbackHTTP.Failure(description: "cdp.py failed: \(r.error)") }
        return try JSONDecoder().decode(PageState.self, from: Data(r.output.utf8))
    }

    @Test("the demo's page shows the simulated cluster, updates live, and shows an HTML process name as text")
    func demoPage() throws {
        guard Tools.find("chromium") != nil, FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/python")) else {
            Issue.record("chromium or .venv missing: scripts/test installs Debian's chromium and websocket-client")
            return
        }
        let lib = try SimLibrary.directory() + "/libnvidia-ml.so.1"
        // Steps of 600 s: the story holds still during the test, while rounds (0.5 s) go on.
        let demo = try ServerProcess(["demo", "--port", "0", "--step", "600", "--interval", "0.5", "--poll", "0.5",
                                      "--hostile", "--backfill-days", "1", "--simnvml", lib])
        defer { demo.stop() }
        var healthy = false
        for _ in 0..<40 where !healthy {
            Thread.sleep(forTimeInterval: 0.25)
            healthy = (try? demo.get("/healthz"))?.status == 200
        }
        #expect(healthy)

        // What the script says the cluster holds now (the demo opens at step 15).
        let script = DemoScript(nodeCount: 6, step: 600, origin: 0, hostile: true)
        let now = script.state(at: Double(DemoScript.openingStep) * 600 + 1)
        var expected: [String: String] = [:]
        for (i, node) in now.enumerated() {
            let sc = script.scenario(node, nodeIndex: i)
            for (g, gpu) in sc.gpus.enumerated() {
                expected[gpu.uuid] = node.jobs.contains { $0.gpus.contains(g) } ? "busy" : "free"
            }
        }
        let freeExpected = expected.values.filter { $0 == "free" }.count

        try FileManager.default.createDirectory(atPath: Repo.path("out"), withIntermediateDirectories: true)
        let page = try Self.browse("http://127.0.0.1:\(demo.port)/", updates: 2, screenshot: Repo.path("out/dashboard.png"))
        #expect(page.total == expected.count, "headline total")
        #expect(page.free == freeExpected, "headline free")
        #expect(page.headline == "\(freeExpected) of \(expected.count) GPUs free now")
        #expect(Set(page.cells.map(\.uuid)).count == page.cells.count, "each GPU shown once")
        #expect(Dictionary(page.cells.map { ($0.uuid, $0.state) }, uniquingKeysWith: { first, _ in first }) == expected,
                "board vs. the simulated state")
        #expect(page.updates >= 2 && page.generation > page.firstGeneration, "live updates arrived without a reload")
        #expect(page.banner == nil)
        // The hostile process name is on the page as text, and nothing ran.
        let hostileCell = page.cells.first { $0.text.contains("mallory") || $0.text.contains("<img") }
        #expect(hostileCell?.text.contains("<img src=x onerror=alert(1)>") == true, "process name shown as text")
        #expect(page.imgs == 0, "no <img> element was created from a process name")
        #expect(page.dialogs.isEmpty && page.exceptions.isEmpty)
        let png = try Data(contentsOf: URL(fileURLWithPath: Repo.path("out/dashboard.png")))
        #expect(png.count > 10_000 && png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "screenshot written to out/dashboard.png")

        // The same cluster through the API and in the terminal.
        let snap = try JSONDecoder().decode(ClusterSnapshot.self, from: Data(try demo.get("/api/v1/snapshot").body.utf8))
        #expect(snap.totals.free == freeExpected)
        let free2 = try demo.get("/api/v1/free?min=2")
        #expect(free2.status == 200 && free2.body.contains("\"min\":2"))
        #expect(try demo.get("/api/v1/free?min=0").status == 400)
        #expect(try demo.get("/api/v1/free?min=abc").status == 400)
        #expect(try demo.get("/api/v1/history?range=1y").status == 400)
        #expect(try demo.get("/api/v1/live?view=bogus").status == 400)
        #expect(try demo.get("/node/nope").status == 404)
        let history = try demo.get("/api/v1/history?range=24h")
        #expect(history.status == 200 && history.body.contains("\"points\":[{"), "backfilled history")
        let status = try Tools.run(Binary.gpucluster, ["status", "--dashboard", "http://127.0.0.1:\(demo.port)", "--free", "--color", "never"])
        #expect(status.status == 0)
        #expect(status.output.components(separatedBy: "] free").count - 1 == freeExpected, "\(status.output)")
        let mine = try Tools.run(Binary.gpucluster, ["status", "--dashboard", "http://127.0.0.1:\(demo.port)", "--user", "carol", "--json"])
        let carol = try JSONDecoder().decode(ClusterSnapshot.self, from: Data(mine.output.utf8))
        #expect(!carol.gpus.isEmpty && carol.gpus.allSatisfy { $0.users.contains("carol") })
    }
}

// The story test lives in the same serialized suite as the page test: two demos at once
// would pick their agents' loopback ports concurrently, and one demo could end up reading
// the other's agents.
extension DemoBrowserTests {
    @Test("in the demo a node goes down and comes back, and a held GPU turns idle-held")
    func story() throws {
        let lib = try SimLibrary.directory() + "/libnvidia-ml.so.1"
        // Steps of 0.5 s: the down phase (steps 20–25) starts 2.5 s after the demo opens.
        let demo = try ServerProcess(["demo", "--port", "0", "--step", "0.5", "--interval", "0.25", "--poll", "1",
                                      "--backfill-days", "0", "--simnvml", lib])
        defer { demo.stop() }
        var sawDown = false, sawBack = false, sawIdle = false
        var downReason = ""
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline, !(sawDown && sawBack && sawIdle) {
            Thread.sleep(forTimeInterval: 0.2)
            guard let r = try? demo.get("/api/v1/snapshot"), r.status == 200,
                  let s = try? JSONDecoder().decode(ClusterSnapshot.self, from: Data(r.body.utf8)),
                  let n5 = s.nodes.first(where: { $0.name == "gpu05" }) else { continue }
            if !n5.up { sawDown = true; downReason = n5.problem ?? "" }
            if sawDown && n5.up && n5.gpus.allSatisfy({ $0.state != .down }) { sawBack = true }
            if s.nodes.first(where: { $0.name == "gpu02" })?.gpus.last?.state == .idleHeld { sawIdle = true }
        }
        #expect(sawDown, "gpu05 went down")
        #expect(downReason.contains("connection refused") || downReason.contains("timed out"), "\(downReason)")
        #expect(sawBack, "gpu05 came back")
        #expect(sawIdle, "carol's GPU on gpu02 turned idle-held")
    }
}
