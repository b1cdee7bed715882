import Foundation
import Testing
import TestSupport
@testable import GPU

/// Real programs read what the agent and the simulated library serve: a Prometheus server
/// (Debian's package) scraping the agent, and gpustat (PyPI) reading the library.
@Suite("Real Prometheus and gpustat", .serialized)
struct RealClientsTests {
    @Test("a real Prometheus on 127.0.0.1 scrapes the agent; PromQL returns the GPU memory in use")
    func prometheusScrape() throws {
        guard let prometheus = Tools.find("prometheus") else {
            Issue.record("prometheus is not installed; scripts/test installs Debian's prometheus package")
            return
        }
        var s = SimScenario.uniform(count: 2)
        s.gpus[1].memoryUsedMiB = 12345
        let inst = try SimLibrary.instance(s.text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.5"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let config = """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        scrape_configs:
          - job_name: gpucluster
            static_configs: [ { targets: ["127.0.0.1:\(agent.port)"] } ]
        """
        try config.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let port = try Tools.freePort()
        let server = try Spawned(prometheus, ["--config.file=\(dir.path)/prometheus.yml", "--storage.tsdb.path=\(dir.path)/data",
                                              "--web.listen-address=127.0.0.1:\(port)"])
        defer { server.stop() }
        let query = "/api/v1/query?query=gpucluster_gpu_memory_used_bytes%7Bgpu%3D%221%22%7D"
        var value: Double?
        let deadline = Date().addingTimeInterval(60)
        while value == nil, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.5)
            guard let r = try? LoopbackHTTP.get(port: port, path: query, timeout: 2), r.status == 200,
                  let obj = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                  let data = obj["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
                  let v = result.first?["value"] as? [Any], let text = v.last as? String else { continue }
            value = Double(text)
        }
        #expect(value == Double(12345 << 20), "Prometheus answered \(String(describing: value))")
    }

    @Test("gpustat --json reads the simulated library exactly as the scenario says, and as the agent reports")
    func gpustatCrossCheck() throws {
        guard let gpustat = Tools.find("gpustat") else {
            Issue.record("gpustat is not installed; scripts/test installs it into .venv")
            return
        }
        let procs = try SleepingProcesses(count: 3)
        var s = SimScenario.uniform(count: 3, name: "NVIDIA H100 80GB HBM3")
        s.driverVersion = "550.90.07"
        for i in 0..<3 {
            s.gpus[i].memoryUsedMiB = 1000 * (i + 1)
            s.gpus[i].utilization = [10 * (i + 1)]
            s.gpus[i].temperature = 40 + i
            s.gpus[i].powerWatts = Double(100 + i)
            s.gpus[i].powerLimitWatts = 700
        }
        s.processes = [.init(gpu: 0, pid: procs.pids[0], usedMiB: 700), .init(gpu: 2, pid: procs.pids[1], usedMiB: 900),
                       .init(gpu: 2, pid: procs.pids[2], usedMiB: 100)]
        let inst = try SimLibrary.instance(s.text)
        let libDir = URL(fileURLWithPath: inst.library).deletingLastPathComponent().path
        let r = try Tools.run(gpustat, ["--json"], environment: ["LD_LIBRARY_PATH": libDir, "GPUCLUSTER_SIM_SCENARIO": inst.scenario])
        #expect(r.status == 0, "gpustat failed: \(r.error)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any])
        #expect(obj["driver_version"] as? String == "550.90.07")
        let gpus = try #require(obj["gpus"] as? [[String: Any]])
        #expect(gpus.count == 3)
        for (i, g) in gpus.enumerated() {
            #expect((g["index"] as? NSNumber)?.intValue == i)
            #expect(g["uuid"] as? String == s.gpus[i].uuid)
            #expect(g["name"] as? String == "NVIDIA H100 80GB HBM3")
            #expect((g["memory.used"] as? NSNumber)?.intValue == 1000 * (i + 1))
            #expect((g["memory.total"] as? NSNumber)?.intValue == 81920)
            #expect((g["utilization.gpu"] as? NSNumber)?.intValue == 10 * (i + 1))
            #expect((g["temperature.gpu"] as? NSNumber)?.intValue == 40 + i)
            #expect((g["power.draw"] as? NSNumber)?.intValue == 100 + i)
            #expect((g["enforced.power.limit"] as? NSNumber)?.intValue == 700)
            let ps = (g["processes"] as? [[String: Any]]) ?? []
            let expected = s.processes.filter { $0.gpu == i }
            #expect(Set(ps.compactMap { ($0["pid"] as? NSNumber)?.int32Value }) == Set(expected.map(\.pid)))
            #expect(Set(ps.compactMap { ($0["gpu_memory_usage"] as? NSNumber)?.intValue }) == Set(expected.map { Int($0.usedBytes >> 20) }))
            #expect(ps.allSatisfy { $0["command"] as? String == "sleep" })
        }

        // The agent reads the same library the same way.
        let agent = try AgentProcess(arguments: ["--nvml", inst.library])
        let m = Scraped(try agent.get("/metrics").body)
        for (i, g) in gpus.enumerated() {
            let used = (g["memory.used"] as? NSNumber)?.doubleValue ?? -1
            #expect(m.value("gpucluster_gpu_memory_used_bytes", ["gpu": String(i)]) == used * 1_048_576)
            #expect(m.value("gpucluster_gpu_processes", ["gpu": String(i)]) == Double((g["processes"] as? [Any])?.count ?? -1))
        }
    }
}
