import Fleet
import Foundation
import Testing
import TestSupport
@testable import GPU

/// The Prometheus backend against the embedded one: a real Prometheus (Debian's package) on
/// loopback scrapes simulated agents; both dashboards must describe the same cluster. Then
/// Prometheus stops and comes back.
@Suite("Prometheus backend", .serialized)
struct PrometheusBackendTests {
    @Test("the same snapshot from Prometheus and from the agents; Prometheus stopped is announced and recovered from")
    func sameSnapshot() throws {
        guard let prometheus = Tools.find("prometheus") else {
            Issue.record("prometheus is not installed; scripts/test installs Debian's prometheus package")
            return
        }
        let dir = try FaultTests.tempDir()
        let specPath = try FaultTests.spec(in: dir)
        let sleepers = try SleepingProcesses(count: 2)
        defer { sleepers.stop() }
        var a = SimScenario.uniform(count: 8, seed: "0001")
        a.gpus[0].memoryUsedMiB = 5000
        a.gpus[0].utilization = [37]
        a.gpus[1].memoryUsedMiB = 2048            // memory held, no process listed: busy, not free
        a.gpus[5].remappedRows = [0, 1, 1, 0]     // a row remap pending: unhealthy
        a.processes = [.init(gpu: 0, pid: sleepers.pids[0], usedMiB: 4900), .init(gpu: 3, pid: sleepers.pids[1], usedMiB: 100)]
        a.gpus[3].memoryUsedMiB = 100
        a.gpus[3].utilization = [88]
        a.gpus[2].persistence = false             // the driver stack: persistence off (a warning, still free)
        var b = SimScenario.uniform(count: 2, seed: "0002")   // the spec expects 8: six are missing
        b.gpus[1].lost = true
        let instA = try SimLibrary.instance(a.text), instB = try SimLibrary.instance(b.text)
        let agentA = try AgentProcess(arguments: ["--nvml", instA.library, "--interval", "0.5"])
        let agentB = try AgentProcess(arguments: ["--nvml", instB.library, "--interval", "0.5"])
        // gpu03 and gpu04 point at a closed port: down in both views.
        let agents = ["gpu01": "127.0.0.1:\(agentA.port)", "gpu02": "127.0.0.1:\(agentB.port)",
                      "gpu03": "127.0.0.1:1", "gpu04": "127.0.0.1:1"]
        let config = """
        global: { scrape_interval: 1s, scrape_timeout: 900ms }
        scrape_configs:
          - job_name: gpucluster-agent
            static_configs:
        \(agents.sorted { $0.key < $1.key }.map { "      - { targets: [\"\($0.value)\"], labels: { node: \($0.key) } }" }.joined(separator: "\n"))
        """
        try config.write(toFile: dir.appendingPathComponent("prometheus.yml").path, atomically: true, encoding: .utf8)
        let promPort = try Tools.freePort()
        let promArgs = ["--config.file=\(dir.path)/prometheus.yml", "--storage.tsdb.path=\(dir.path)/data",
                        "--web.listen-address=127.0.0.1:\(promPort)"]
        var prom: Spawned? = try Spawned(prometheus, promArgs)
        defer { prom?.stop() }

        let overrides = agents.sorted { $0.key < $1.key }.flatMap { ["--agent", "\($0.key)=\($0.value)"] }
        let common = ["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.5", "--timeout", "0.5", "--no-history"] + overrides
        let embedded = try ServerProcess(common)
        let viaProm = try ServerProcess(common + ["--prometheus", "http://127.0.0.1:\(promPort)"])
        defer { embedded.stop(); viaProm.stop() }

        struct Cell: Equatable, CustomStringConvertible {
            var state: GPUState; var used: UInt64?; var users: [String]; var util: Int?
            var description: String { "\(state.rawValue) \(used.map(String.init) ?? "-") \(users) \(util.map(String.init) ?? "-")" }
        }
        func cells(_ s: ClusterSnapshot) -> [String: Cell] {
            Dictionary(uniqueKeysWithValues: s.gpus.map {
                ($0.uuid, Cell(state: $0.state, used: $0.state == .down ? nil : $0.memoryUsedBytes, users: $0.users,
                               util: $0.state == .down ? nil : $0.utilization.map { Int($0.rounded()) }))
            })
        }
        var left: [String: Cell] = [:], right: [String: Cell] = [:]
        var nodesLeft: [String: Bool] = [:], nodesRight: [String: Bool] = [:]
        let agreed = FaultTests.until(60) {
            guard let e = try? FaultTests.snapshot(embedded), let p = try? FaultTests.snapshot(viaProm) else { return false }
            guard e.generation > 2, p.generation > 2, e.nodes.count == 4 else { return false }
            left = cells(e); right = cells(p)
            nodesLeft = Dictionary(uniqueKeysWithValues: e.nodes.map { ($0.name, $0.up) })
            nodesRight = Dictionary(uniqueKeysWithValues: p.nodes.map { ($0.name, $0.up) })
            return left == right && nodesLeft == nodesRight && p.sourceError == nil
        }
        #expect(agreed, "embedded \(left.sorted { $0.key < $1.key }) vs prometheus \(right.sorted { $0.key < $1.key })")
        #expect(nodesLeft == ["gpu01": true, "gpu02": true, "gpu03": false, "gpu04": false])
        // And the states are the ones the scenarios call for.
        let g = { (uuid: String) in left[uuid]?.state }
        #expect(g(a.gpus[0].uuid) == .busy && left[a.gpus[0].uuid]?.users == ["root"] && left[a.gpus[0].uuid]?.used == 5000 << 20)
        #expect(g(a.gpus[1].uuid) == .busy && g(a.gpus[2].uuid) == .free && g(a.gpus[5].uuid) == .unhealthy)
        #expect(g(b.gpus[0].uuid) == .free)
        let lost = try FaultTests.snapshot(embedded).nodes.first { $0.name == "gpu02" }?.gpus[1]
        #expect(lost?.state == .down, "a lost GPU is down (NVML cannot read a lost GPU's UUID, so match by index)")
        #expect(left.values.filter { $0.state == .down }.count == 1 + 6 + 4 + 2, "lost + missing + two unreachable nodes")
        // The driver stack's problem reaches both views (Prometheus from the problem's labels).
        let problems = try [embedded, viaProm].map { try FaultTests.snapshot($0).nodes.first { $0.name == "gpu01" }?.driver?.problems }
        #expect(problems == [[.persistenceOff], [.persistenceOff]], "\(problems)")

        // Prometheus stops: the page still renders fast, says so, and /healthz fails.
        prom?.stop()
        prom = nil
        #expect(FaultTests.until(10) { (try? FaultTests.snapshot(viaProm))?.sourceError != nil })
        let t0 = Date()
        let page = try viaProm.get("/", timeout: 2)
        #expect(Date().timeIntervalSince(t0) < 2 && page.status == 200)
        #expect(page.body.contains("Source down: Prometheus at http://127.0.0.1:\(promPort)"), "banner")
        #expect(try viaProm.get("/healthz").status == 503)
        #expect(page.body.contains("data-free=\"\(left.values.filter { $0.state == .free }.count)\""), "last good data still shown")

        // It comes back (same data directory).
        prom = try Spawned(prometheus, promArgs)
        #expect(FaultTests.until(60) { (try? FaultTests.snapshot(viaProm))?.sourceError == nil && (try? viaProm.get("/healthz"))?.status == 200 })
        #expect(try viaProm.get("/").body.contains("Source down") == false)
    }
}
