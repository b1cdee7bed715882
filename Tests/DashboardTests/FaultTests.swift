import Fleet
import Foundation
import History
import Testing
import TestSupport
@testable import GPU

/// The dashboard with misbehaving agents (hang, garbage, HTTP 500), killed with -9 mid-write,
/// and on Prometheus that stops: the page stays up and says exactly what is wrong.
@Suite("Dashboard faults", .serialized)
struct FaultTests {
    /// The example spec with a fourth GPU node.
    static func spec(in dir: URL) throws -> String {
        var text = try String(contentsOfFile: Repo.path("examples/cluster.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(
            of: "  - name: backup ",
            with: "  - name: gpu04\n    roles: [compute]\n    addresses: { internal: 10.10.0.14 }\n    gpus: 2\n  - name: backup ")
        let path = dir.appendingPathComponent("cluster.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every node of the test spec pointed at a closed loopback port: tests never send
    /// traffic to the spec's own (10.10.0.x) addresses.
    static let nowhere = ["gpu01", "gpu02", "gpu03", "gpu04"].flatMap { ["--agent", "\($0)=127.0.0.1:1"] }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    static func snapshot(_ s: ServerProcess) throws -> ClusterSnapshot {
        try JSONDecoder().decode(ClusterSnapshot.self, from: Data(try s.get("/api/v1/snapshot").body.utf8))
    }

    static func until(_ seconds: Double, _ ok: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if ok() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return ok()
    }

    @Test("hanging, garbage and HTTP 500 agents: the page renders in under 2 s, marks exactly those nodes, recovers")
    func badAgents() throws {
        let dir = try Self.tempDir()
        let specPath = try Self.spec(in: dir)
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 8).text)
        let good = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.3"])
        let valid = dir.appendingPathComponent("valid.json").path
        try good.get("/api/v1/node").body.write(toFile: valid, atomically: true, encoding: .utf8)
        var faults: [(name: String, mode: String, server: ServerProcess, modeFile: String)] = []
        for (name, mode) in [("gpu02", "hang"), ("gpu03", "garbage"), ("gpu04", "500")] {
            let modeFile = dir.appendingPathComponent("\(name).mode").path
            try mode.write(toFile: modeFile, atomically: true, encoding: .utf8)
            let server = try ServerProcess.python(Repo.path("Tests/browser/fault_agent.py"), [modeFile, valid])
            faults.append((name, mode, server, modeFile))
        }
        let db = dir.appendingPathComponent("history.sqlite").path
        var args = ["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.5", "--timeout", "0.5", "--db", db]
            + Self.nowhere + ["--agent", "gpu01=127.0.0.1:\(good.port)"]
        for f in faults { args += ["--agent", "\(f.name)=127.0.0.1:\(f.server.port)"] }
        let dash = try ServerProcess(args)
        defer { dash.stop() }

        #expect(Self.until(10) { ((try? Self.snapshot(dash))?.nodes.filter { !$0.up }.count ?? 0) == 3 })
        let started = Date()
        let page = try dash.get("/", timeout: 2)
        #expect(Date().timeIntervalSince(started) < 2, "page took \(Date().timeIntervalSince(started)) s")
        #expect(page.status == 200)
        for n in ["gpu01", "gpu02", "gpu03", "gpu04"] {
            let down = page.body.contains("<tr class=\"down\" data-node=\"\(n)\">")
            #expect(down == (n != "gpu01"), "\(n) marked \(down ? "down" : "up")")
        }
        let snap = try Self.snapshot(dash)
        let problems = Dictionary(uniqueKeysWithValues: snap.nodes.map { ($0.name, $0.problem ?? "") })
        #expect(problems["gpu01"] == "")
        #expect(problems["gpu02"]?.contains("timed out") == true, "\(problems["gpu02"] ?? "")")
        #expect(problems["gpu03"]?.contains("unreadable report") == true, "\(problems["gpu03"] ?? "")")
        #expect(problems["gpu04"]?.contains("HTTP 500") == true, "\(problems["gpu04"] ?? "")")
        #expect(snap.nodes.first { $0.name == "gpu01" }?.gpus.filter { $0.state == .free }.count == 8)
        // One round still finishes in about one timeout, not one per bad agent.
        let g0 = snap.generation
        Thread.sleep(forTimeInterval: 3)
        #expect(try Self.snapshot(dash).generation - g0 >= 3, "rounds kept going")

        // They come back.
        for f in faults { try "ok".write(toFile: f.modeFile, atomically: true, encoding: .utf8) }
        #expect(Self.until(25) { (try? Self.snapshot(dash))?.nodes.allSatisfy(\.up) == true }, "all nodes recovered")
        #expect(try dash.get("/").body.contains("<tr class=\"down\"") == false)
        for f in faults { f.server.stop() }
    }

    @Test("kill -9 during writes: the SQLite history (WAL) is intact and keeps its rows after each restart")
    func killNine() async throws {
        let dir = try Self.tempDir()
        let specPath = try Self.spec(in: dir)
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 8).text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.2"])
        let db = dir.appendingPathComponent("history.sqlite").path
        var rows = 0
        for round in 0..<4 {
            let dash = try ServerProcess(["dashboard", specPath, "--host", "127.0.0.1", "--port", "0", "--interval", "0.2",
                                          "--timeout", "0.3", "--db", db] + Self.nowhere + ["--agent", "gpu01=127.0.0.1:\(agent.port)"])
            try await Task.sleep(for: .milliseconds(1000 + 230 * round))
            dash.kill9()
            let store = try HistoryStore(path: db)
            #expect(try await store.integrityCheck() == "ok")
            let now = try await store.stats()
            let count = now.rawRows + now.minuteRows
            #expect(count > rows, "round \(round): \(count) rows after, \(rows) before")
            rows = count
        }
        // And the history the page draws is there.
        let store = try HistoryStore(path: db)
        #expect(try await store.stats().rawRows > 5, "rounds from all four runs are kept")
        #expect(!(try await store.cluster(.day, now: Date().timeIntervalSince1970)).isEmpty)
    }

    @Test("the dashboard refuses bad options and specs with a clear error")
    func badInput() throws {
        let dir = try Self.tempDir()
        let specPath = try Self.spec(in: dir)
        for (args, message) in [
            (["--port", "70000"], "--port"), (["--agent", "gpu01"], "NAME=HOST:PORT"), (["--agent", "gpu01=x y:1"], "bad host"),
            (["--timeout", "0"], "--timeout"), (["--prometheus", "file:///etc/passwd"], "--prometheus"),
        ] {
            let r = try Tools.run(Binary.gpucluster, ["dashboard", specPath] + args + Self.nowhere)
            #expect(r.status != 0 && r.error.contains(message), "\(args): \(r.error)")
        }
        let bad = dir.appendingPathComponent("bad.yaml").path
        try "hosts: [".write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try Tools.run(Binary.gpucluster, ["dashboard", bad, "--port", "0"] + Self.nowhere)
        #expect(r.status == 1 && r.error.contains("bad.yaml:"), "\(r.error)")
        let notDB = dir.appendingPathComponent("not.sqlite").path
        try "precious".write(toFile: notDB, atomically: true, encoding: .utf8)
        let d = try Tools.run(Binary.gpucluster, ["dashboard", specPath, "--port", "0", "--db", notDB] + Self.nowhere)
        #expect(d.status == 1 && d.error.contains("cannot open history"), "\(d.error)")
        #expect(try String(contentsOfFile: notDB, encoding: .utf8) == "precious")
        let st = try Tools.run(Binary.gpucluster, ["status", specPath, "--free", "--user", "x"] + Self.nowhere)
        #expect(st.status != 0 && st.error.contains("cannot be combined"))
    }

    @Test("status reads the agents directly; a hanging agent costs one timeout and is shown down")
    func statusDirect() throws {
        let dir = try Self.tempDir()
        let specPath = try Self.spec(in: dir)
        var s = SimScenario.uniform(count: 8)
        s.gpus[3].memoryUsedMiB = 5000
        let inst = try SimLibrary.instance(s.text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library])
        let modeFile = dir.appendingPathComponent("mode").path
        try "hang".write(toFile: modeFile, atomically: true, encoding: .utf8)
        let hang = try ServerProcess.python(Repo.path("Tests/browser/fault_agent.py"), [modeFile, modeFile])
        defer { hang.stop() }
        let started = Date()
        let r = try Tools.run(Binary.gpucluster, ["status", specPath, "--timeout", "1", "--color", "never",
                                                  "--agent", "gpu01=127.0.0.1:\(agent.port)", "--agent", "gpu02=127.0.0.1:\(hang.port)",
                                                  "--agent", "gpu03=127.0.0.1:1", "--agent", "gpu04=127.0.0.1:1"])
        #expect(Date().timeIntervalSince(started) < 4, "status took \(Date().timeIntervalSince(started)) s")
        #expect(r.status == 0, "\(r.error)")
        #expect(r.output.hasPrefix("7 of 22 GPUs free"), "\(r.output)")
        #expect(r.output.contains("gpu02  DOWN") && r.output.contains("timed out after 1 s"), "\(r.output)")
        #expect(r.output.contains("[3] busy"), "\(r.output)")
    }
}

extension FaultTests {
    @Test("status --watch redraws on its interval until stopped")
    func statusWatch() throws {
        let dir = try Self.tempDir()
        let specPath = try Self.spec(in: dir)
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 8).text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library])
        let watch = try Spawned(Binary.gpucluster, ["status", specPath, "--watch", "--every", "0.5", "--timeout", "0.3", "--color", "never"]
                                + Self.nowhere + ["--agent", "gpu01=127.0.0.1:\(agent.port)"], captureStdout: true)
        defer { watch.stop() }
        // Three boards: the first at once, then one every 0.5 s.
        let text = watch.readUntil("(?s)(GPUs free.*){3}", seconds: 15) ?? ""
        #expect(text.components(separatedBy: "8 of 22 GPUs free").count - 1 >= 3, "\(text)")
        #expect(!text.contains("\u{1B}["), "no escape codes when stdout is not a terminal")
    }
}

extension ServerProcess {
    /// A Python helper server from the tests' venv.
    static func python(_ script: String, _ args: [String]) throws -> ServerProcess {
        try ServerProcess(python: Repo.path(".venv/bin/python"), script: script, args)
    }
}
