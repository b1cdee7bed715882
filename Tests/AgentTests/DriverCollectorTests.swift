import Foundation
import NodeReport
import Testing
import TestSupport
@testable import Agent
@testable import GPU

/// The agent's `driver` collector on the simulated library: the module's version from its
/// file, the mismatch with both versions as a metric, persistence off per GPU, the fabric
/// manager looked for among processes on NVSwitch hosts, and nothing on hosts without NVIDIA.
@Suite("Driver collector")
struct DriverCollectorTests {
    final class Files: @unchecked Sendable {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("driver-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ path: String, _ text: String) throws {
            try FileManager.default.createDirectory(atPath: (dir + "/" + path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: dir + "/" + path, atomically: true, encoding: .utf8)
        }
    }

    func agent(_ s: SimScenario, _ f: Files, fabricManager: Bool = false) throws -> Agent {
        var config = AgentConfig(gpuBackend: try NVMLBackend.load(path: try SimLibrary.instance(s.text).library).get())
        config.driverVersionFile = f.dir + "/version"
        config.fabricManager = fabricManager
        config.procRoot = f.dir + "/proc"
        config.smartctlPath = nil
        config.updatesStatePath = nil
        return Agent(config: config)
    }

    @Test("mismatch: a metric with the reason and both versions, the report says 'needs reboot'")
    func mismatch() throws {
        let f = try Files()
        try f.write("version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\n")
        var s = SimScenario.uniform(count: 2)
        s.initError = 18
        s.nvmlVersion = "12.550.90.07"
        let p = try agent(s, f).collectOnce()
        #expect(p.metrics.contains("gpucluster_gpu_driver_problem{reason=\"version_mismatch\",loaded_version=\"550.54.14\",library_version=\"550.90.07\"} 1\n"),
                "\(p.metrics.split(separator: "\n").filter { $0.contains("driver") })")
        #expect(p.snapshot.gpu.driver?.summary == "needs reboot: driver 550.54.14 loaded, 550.90.07 installed")
        let json = try JSONDecoder().decode(NodeSnapshot.self, from: p.json)
        #expect(json.gpu.driver?.needsReboot == true, "the report carries it to the dashboard")
    }

    @Test("healthy: no problem sample, the family still declared; persistence off on one GPU is a problem naming it")
    func persistence() throws {
        let f = try Files()
        try f.write("version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 2023\n")
        var s = SimScenario.uniform(count: 2)
        let healthy = try agent(s, f).collectOnce()
        #expect(healthy.metrics.contains("# TYPE gpucluster_gpu_driver_problem gauge") && !healthy.metrics.contains("gpucluster_gpu_driver_problem{"))
        #expect(healthy.metrics.contains("gpucluster_gpu_persistence_mode{gpu=\"0\""))
        #expect(healthy.snapshot.gpu.driver?.loadedVersion == "535.129.03" && healthy.snapshot.gpu.driver?.problems == [])
        s.gpus[1].persistence = false
        let off = try agent(s, f).collectOnce()
        #expect(off.metrics.contains("gpucluster_gpu_driver_problem{reason=\"persistence_off\",loaded_version=\"535.129.03\",library_version=\"\"} 1"))
        #expect(off.snapshot.gpu.driver?.summary == "persistence mode off on GPU 1")
    }

    @Test("NVSwitch: the fabric manager is looked for among processes; absent, it is a problem")
    func fabricManager() throws {
        let f = try Files()
        try f.write("proc/4242/comm", "sshd\n")
        let down = try agent(SimScenario.uniform(count: 8), f, fabricManager: true).collectOnce()
        #expect(down.snapshot.gpu.driver?.problems == [.fabricManagerDown])
        try f.write("proc/4243/comm", "nv-fabricmanager\n")
        let up = try agent(SimScenario.uniform(count: 8), f, fabricManager: true).collectOnce()
        #expect(up.snapshot.gpu.driver?.problems == [])
        let notExpected = try agent(SimScenario.uniform(count: 8), try Files()).collectOnce()
        #expect(notExpected.snapshot.gpu.driver?.problems == [])
    }

    @Test("hostile module file: oversized, binary or a label injection yields no version, never a broken exposition line")
    func hostileFile() throws {
        let f = try Files()
        var s = SimScenario.uniform(count: 1)
        s.initError = 18
        for text in [String(repeating: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14 ", count: 200),
                     "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14\",evil=\"1\n", "\u{0}\u{1}\u{ff}"] {
            try f.write("version", text)
            let p = try agent(s, f).collectOnce()
            let line = p.metrics.split(separator: "\n").first { $0.hasPrefix("gpucluster_gpu_driver_problem{") }.map(String.init) ?? ""
            #expect(line.hasPrefix("gpucluster_gpu_driver_problem{reason=\"version_mismatch\",loaded_version=\"\",library_version=\"535.129.03\"}"), "\(line)")
        }
    }

    @Test("a host without an NVIDIA library reports no driver problem")
    func noLibrary() {
        var config = AgentConfig(gpuBackend: NoGPUBackend(reason: "libnvidia-ml.so.1 not found"))
        config.driverVersionFile = "/nonexistent"
        config.smartctlPath = nil
        let p = Agent(config: config).collectOnce()
        #expect(p.snapshot.gpu.driver == nil && !p.metrics.contains("gpucluster_gpu_driver_problem{"))
    }
}
