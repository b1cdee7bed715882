import NodeReport
import Fleet
import Foundation
import History
import Testing
import TestSupport
@testable import GPU

/// An agent answering a well-formed report full of impossible numbers (utilization 1e300,
/// memory sums past 2^64, start times ±1e300, a billion expected GPUs): the dashboard keeps
/// serving every page, marks the node with the reason, and its history stays drawable, also
/// after a restart without the agent.
@Suite("Dashboard with a hostile agent", .serialized)
struct HostileAgentTests {
    /// A real agent's report with every number an agent could lie about made extreme.
    static func hostileReport(from valid: String) throws -> String {
        var report = try #require(try JSONSerialization.jsonObject(with: Data(valid.utf8)) as? [String: Any])
        var gpu = try #require(report["gpu"] as? [String: Any])
        var gpus = try #require(gpu["gpus"] as? [[String: Any]])
        try #require(gpus.count >= 4)
        let uuid0 = try #require(gpus[0]["uuid"] as? String)
        let uuid1 = try #require(gpus[1]["uuid"] as? String)
        gpus[0]["utilizationGPU"] = 1e300
        gpus[0]["processes"] = [["pid": 4242, "kind": "compute"], ["pid": 4243, "kind": "compute"]]
        gpus[1]["utilizationGPU"] = -1e300
        gpus[1]["temperatureCelsius"] = 1e308
        gpus[1]["processes"] = [["pid": 4244, "kind": "compute"]]
        gpus[2]["memoryUsedBytes"] = UInt64.max
        gpus[3]["memoryTotalBytes"] = UInt64.max
        gpu["gpus"] = gpus
        report["gpu"] = gpu
        report["expectedGPUs"] = 1_000_000_000
        func proc(_ pid: Int, _ uuid: String, _ mem: UInt64, _ start: Double) -> [String: Any] {
            ["pid": pid, "gpuIndex": 0, "gpuUUID": uuid, "usedMemoryBytes": mem, "kind": "compute", "uid": 2001,
             "user": "mallory", "command": "python train.py", "startTime": start, "job": ["kind": "process", "id": "\(pid)"]]
        }
        // Two processes of one user whose memory adds up past 2^64; start times far out of range.
        report["processes"] = [proc(4242, uuid0, UInt64.max / 2 + 1, -1e300), proc(4243, uuid0, UInt64.max / 2 + 1, 1e300),
                               proc(4244, uuid1, 1 << 30, 1.7e308)]
        return String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
    }

    /// A test folder with the fault tests' spec, and what a real agent on `gpus` simulated
    /// GPUs answers at /api/v1/node (the starting point each test then bends).
    static func realReport(gpus: Int) throws -> (dir: URL, spec: String, report: String) {
        let dir = try FaultTests.tempDir()
        let specPath = try FaultTests.spec(in: dir)
        let inst = try SimLibrary.instance(SimScenario.uniform(count: gpus).text)
        let good = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.3"])
        defer { good.stop() }
        return (dir, specPath, try good.get("/api/v1/node").body)
    }

    @Test("extreme and impossible values: every page still answers, the node says why, history stays drawable")
    func extremeValues() throws {
        let (dir, specPath, valid) = try Self.realReport(gpus: 4)
        let reportPath = dir.appendingPathComponent("hostile.json").path
        try Self.hostileReport(from: valid).write(toFile: reportPath, atomically: true, encoding: .utf8)
        let modeFile = dir.appendingPathComponent("mode").path
        try "ok".write(toFile: modeFile, atomically: true, encoding: .utf8)
        let hostile = try ServerProcess.python(Repo.path("Tests/browser/fault_agent.py"), [modeFile, reportPath])
        let db = dir.appendingPathComponent("history.sqlite").path
        let args = ["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.3", "--timeout", "0.5", "--db", db]
            + FaultTests.nowhere + ["--agent", "gpu02=127.0.0.1:\(hostile.port)"]
        var dash = try ServerProcess(args)
        defer { dash.stop() }

        #expect(FaultTests.until(10) { (try? FaultTests.snapshot(dash))?.nodes.first { $0.name == "gpu02" }?.up == true })
        let pages = ["/", "/users", "/node/gpu02", "/user/mallory", "/api/v1/snapshot", "/api/v1/users", "/api/v1/free",
                     "/api/v1/history?range=24h", "/api/v1/live"]
        for page in pages {
            let r = try dash.get(page, timeout: 3)
            #expect(r.status == 200, "\(page): HTTP \(r.status) \(r.body.prefix(200))")
        }
        let snap = try FaultTests.snapshot(dash)
        let node = try #require(snap.nodes.first { $0.name == "gpu02" })
        let problem = node.problem ?? ""
        #expect(problem.contains("ignored implausible values") && problem.contains("utilization"), "node problem: \(problem)")
        #expect(node.gpus.count == 8, "the spec's 8 GPUs (4 reported, 4 missing), not a billion: \(node.gpus.count)")
        #expect(node.gpus.allSatisfy { ($0.utilization ?? 0) >= 0 && ($0.utilization ?? 0) <= 100 })
        #expect(node.gpus.allSatisfy { ($0.memoryUsedBytes ?? 0) <= ($0.memoryTotalBytes ?? UInt64.max) })
        #expect(node.gpus[0].processes.allSatisfy { $0.startTime == nil }, "start times out of range are dropped")
        let page = try dash.get("/node/gpu02").body
        #expect(page.contains("ignored implausible values"), "the node page says why")
        // Some rounds of history with those values, then the dashboard again without the agent.
        Thread.sleep(forTimeInterval: 1.5)
        hostile.stop()
        dash.stop()
        dash = try ServerProcess(args)
        #expect(FaultTests.until(10) { (try? FaultTests.snapshot(dash))?.nodes.contains { $0.name == "gpu02" && !$0.up } == true })
        for page in pages {
            let r = try dash.get(page, timeout: 3)
            // mallory holds nothing now: her page says so (404), which is an answer, not a crash.
            #expect(r.status == 200 || (page == "/user/mallory" && r.status == 404), "after restart \(page): HTTP \(r.status)")
        }
        #expect(try dash.get("/").body.contains("<svg"), "history charts still drawn")
    }

    @Test("bounded(): each implausible value dropped and named; sums saturate instead of trapping")
    func boundedUnit() {
        let now = 1_800_000_000.0
        var g = GPUObservation(index: -5, uuid: "u", name: "n", memoryUsedBytes: 9 << 40, memoryTotalBytes: 8 << 30,
                               utilization: .nan, temperatureCelsius: .infinity, processCount: -3,
                               processes: [ProcessView(pid: 1, user: "a", command: "x", memoryBytes: .max, job: "j", startTime: -1e300)])
        g.users = ["a"]
        let o = NodeObservation(name: "n", expectedGPUs: Int.max, reachable: true, lastSeen: .infinity, gpus: [g]).bounded(now: now)
        let b = o.gpus[0]
        #expect(o.expectedGPUs == nil && o.lastSeen == nil)
        #expect(b.index == 0 && b.utilization == nil && b.temperatureCelsius == nil && b.memoryUsedBytes == nil && b.processCount == 0)
        #expect(b.processes[0].memoryBytes == nil && b.processes[0].startTime == nil)
        #expect(o.dataProblem?.contains("utilization nan") == true, "\(o.dataProblem ?? "")")
        // A sane observation passes untouched.
        let fine = NodeObservation(name: "n", expectedGPUs: 8, reachable: true, lastSeen: now,
                                   gpus: [GPUObservation(index: 0, uuid: "u", name: "n", memoryUsedBytes: 1 << 30, memoryTotalBytes: 80 << 30,
                                                         utilization: 55, temperatureCelsius: 60, processCount: 1)])
        #expect(fine.bounded(now: now) == fine)
        // What reaches the builder from elsewhere (status --dashboard) cannot trap either.
        #expect(SnapshotBuilder.duration(.infinity) == "?" && SnapshotBuilder.duration(1e300) == "?" && SnapshotBuilder.duration(-1e300) == "0 s")
        #expect(SnapshotBuilder.number(.nan) == "?" && !SnapshotBuilder.number(1e300).isEmpty)
        let p = ProcessView(pid: 1, user: "a", command: "x", memoryBytes: .max, job: "j", startTime: nil)
        let view = GPUView(node: "n", index: 0, uuid: "u", name: "n", state: .busy, users: ["a"], processes: [p, p])
        let snapshot = ClusterSnapshot(generation: 1, takenAt: now, source: "test", policy: FreePolicy(),
                                       nodes: [NodeView(name: "n", up: true, gpus: [view])])
        #expect(UserUsage.all(in: snapshot).first?.memoryBytes == .max)
    }

    @Test("an agent answering a redirect to another agent is not followed: the node is down with HTTP 302")
    func redirectNotFollowed() throws {
        let dir = try FaultTests.tempDir()
        let specPath = try FaultTests.spec(in: dir)
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 4).text)
        let good = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.3"])
        defer { good.stop() }
        let modeFile = dir.appendingPathComponent("mode").path
        try "redirect:http://127.0.0.1:\(good.port)/api/v1/node".write(toFile: modeFile, atomically: true, encoding: .utf8)
        let redirecting = try ServerProcess.python(Repo.path("Tests/browser/fault_agent.py"), [modeFile, modeFile])
        defer { redirecting.stop() }
        let dash = try ServerProcess(["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.3", "--timeout", "0.5",
                                      "--no-history"] + FaultTests.nowhere + ["--agent", "gpu02=127.0.0.1:\(redirecting.port)"])
        defer { dash.stop() }
        var problem = ""
        #expect(FaultTests.until(10) {
            problem = (try? FaultTests.snapshot(dash))?.nodes.first { $0.name == "gpu02" }?.problem ?? ""
            return problem.contains("HTTP 302")
        }, "gpu02: '\(problem)'")
    }

    @Test("process detail only for the cluster's networks: from elsewhere no pids, command lines or job names")
    func privateDetail() throws {
        let (dir, specPath, valid) = try Self.realReport(gpus: 2)
        var report = try #require(try JSONSerialization.jsonObject(with: Data(valid.utf8)) as? [String: Any])
        var gpu = try #require(report["gpu"] as? [String: Any])
        var gpus = try #require(gpu["gpus"] as? [[String: Any]])
        let uuid = try #require(gpus[0]["uuid"] as? String)
        gpus[0]["processes"] = [["pid": 31337, "kind": "compute"]]
        gpus[0]["utilizationGPU"] = 90
        gpu["gpus"] = gpus
        report["gpu"] = gpu
        report["processes"] = [["pid": 31337, "gpuIndex": 0, "gpuUUID": uuid, "usedMemoryBytes": 1 << 30, "kind": "compute", "uid": 2001,
                                "user": "alice", "command": "python secret_thesis_experiment.py", "startTime": Date().timeIntervalSince1970 - 60,
                                "job": ["kind": "slurm", "id": "918273"]]]
        let reportPath = dir.appendingPathComponent("report.json").path
        try JSONSerialization.data(withJSONObject: report).write(to: URL(fileURLWithPath: reportPath))
        let modeFile = dir.appendingPathComponent("mode").path
        try "ok".write(toFile: modeFile, atomically: true, encoding: .utf8)
        let agent = try ServerProcess.python(Repo.path("Tests/browser/fault_agent.py"), [modeFile, reportPath])
        defer { agent.stop() }
        let base = ["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.3", "--timeout", "0.5", "--no-history"]
            + FaultTests.nowhere + ["--agent", "gpu02=127.0.0.1:\(agent.port)"]
        // Loopback is not among these networks: this test's requests come from "outside".
        let outside = try ServerProcess(base + ["--detail-from", "10.0.0.0/8"])
        defer { outside.stop() }
        let inside = try ServerProcess(base)
        defer { inside.stop() }
        for dash in [outside, inside] {
            #expect(FaultTests.until(10) { (try? FaultTests.snapshot(dash))?.nodes.first { $0.name == "gpu02" }?.gpus.first?.state == .busy })
        }
        let secrets = ["secret_thesis_experiment", "31337", "918273"]
        for path in ["/", "/node/gpu02", "/user/alice", "/users", "/api/v1/snapshot", "/api/v1/users", "/api/v1/live?view=node:gpu02"] {
            let o = try outside.get(path).body, i = try inside.get(path).body
            #expect(!secrets.contains { o.contains($0) }, "\(path) shows process detail to an outside request")
            #expect(o.contains("alice") || path.hasPrefix("/api/v1/live"), "\(path): who holds the GPU is still shown outside")
            // Inside, the same pages carry the detail (the node page and the snapshot all of it).
            if path == "/node/gpu02" || path == "/api/v1/snapshot" {
                #expect(secrets.allSatisfy { i.contains($0) }, "\(path) inside lacks detail")
            } else if path == "/user/alice" || path == "/" {
                #expect(i.contains("secret_thesis_experiment"), "\(path) inside lacks the command")
            }
        }
        #expect(try inside.get("/node/gpu02").body.contains("secret_thesis_experiment"))
        #expect(try outside.get("/").body.contains("process detail (commands, jobs) is shown on the cluster's own networks only"))
        let free = try outside.get("/api/v1/free")
        #expect(free.status == 200 && free.body.contains("\"freeGPUs\""), "the public board still answers how many GPUs are free")
        // Behind the socket units: one Unix socket per audience, the connection's address unknown.
        if let curl = Tools.find("curl") {
            let inSock = dir.appendingPathComponent("in.sock").path, pubSock = dir.appendingPathComponent("pub.sock").path
            let both = try Spawned(Binary.gpucluster, base.filter { $0 != "--host" && $0 != "127.0.0.1" && $0 != "--port" && $0 != "0" }
                                   + ["--unix-socket", inSock, "--public-unix-socket", pubSock], captureStdout: true)
            defer { both.stop() }
            #expect(both.readUntil("listening on unix:.*public", seconds: 20) != nil, "dashboard on Unix sockets did not start")
            var inner = "", outer = ""
            #expect(FaultTests.until(10) {
                inner = (try? Tools.run(curl, ["-s", "-m", "3", "--unix-socket", inSock, "http://dashboard/api/v1/snapshot"]))?.output ?? ""
                return inner.contains("secret_thesis_experiment")
            }, "the inside socket shows detail: \(inner.prefix(200))")
            outer = try Tools.run(curl, ["-s", "-m", "3", "--unix-socket", pubSock, "http://dashboard/api/v1/snapshot"]).output
            #expect(outer.contains("\"gpu02\"") && !secrets.contains { outer.contains($0) }, "the public socket hides detail: \(outer.prefix(200))")
        } else {
            print("dashboard Unix sockets: SKIPPED: curl is not installed (scripts/test installs it)")
        }
        let bad = try Tools.run(Binary.gpucluster, ["dashboard", specPath, "--port", "0", "--detail-from", "not-a-net"] + FaultTests.nowhere)
        #expect(bad.status == 1 && bad.error.contains("--detail-from"))
    }
}

