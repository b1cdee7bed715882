import Foundation
import Testing
import TestSupport
@testable import GPU

/// The real `gpucluster agent` binary on 127.0.0.1, reading the simulated NVML library.
@Suite("gpucluster agent end to end", .serialized)
struct AgentIntegrationTests {
    /// Starts an agent on a private copy of the simulated library.
    func start(_ s: SimScenario, extra: [String] = []) throws -> (AgentProcess, String) {
        let inst = try SimLibrary.instance(s.text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.2"] + extra)
        return (agent, inst.scenario)
    }

    func scrape(_ a: AgentProcess) throws -> Scraped {
        let r = try a.get("/metrics")
        #expect(r.status == 200)
        #expect(r.headers["content-type"]?.contains("version=0.0.4") == true)
        return Scraped(r.body)
    }

    /// Polls until `ok` holds (bounded), returning the last scrape.
    func eventually(_ a: AgentProcess, seconds: Double = 10, _ ok: (Scraped) -> Bool) throws -> Scraped {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try scrape(a)
        while !ok(last), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            last = try scrape(a)
        }
        return last
    }

    static let gpuFamilies = [
        "gpucluster_gpu_backend_up", "gpucluster_gpu_driver_info", "gpucluster_gpus", "gpucluster_gpus_expected",
        "gpucluster_gpus_missing", "gpucluster_gpu_up", "gpucluster_gpu_info", "gpucluster_gpu_memory_total_bytes",
        "gpucluster_gpu_memory_used_bytes", "gpucluster_gpu_memory_reserved_bytes", "gpucluster_gpu_utilization_ratio",
        "gpucluster_gpu_memory_utilization_ratio", "gpucluster_gpu_temperature_celsius", "gpucluster_gpu_fan_ratio",
        "gpucluster_gpu_power_watts", "gpucluster_gpu_power_limit_watts", "gpucluster_gpu_clock_hertz",
        "gpucluster_gpu_clock_max_hertz", "gpucluster_gpu_performance_state", "gpucluster_gpu_ecc_errors_total",
        "gpucluster_gpu_remapped_rows", "gpucluster_gpu_remapped_rows_pending", "gpucluster_gpu_remapped_rows_failed",
        "gpucluster_gpu_throttle_active", "gpucluster_gpu_processes", "gpucluster_gpu_xid_errors_total",
        "gpucluster_gpu_user_memory_bytes", "gpucluster_gpu_user_processes", "gpucluster_job_gpu_memory_bytes",
        "gpucluster_job_gpus", "gpucluster_smart_up", "gpucluster_smart_devices", "gpucluster_agent_info",
        "gpucluster_agent_last_collection_timestamp_seconds", "gpucluster_agent_collector_duration_seconds",
        "gpucluster_agent_collector_success", "gpucluster_agent_resident_memory_bytes",
    ]

    @Test("every metric family is present, with the scenario's values")
    func families() throws {
        let procs = try SleepingProcesses(count: 3)
        var s = SimScenario.uniform(count: 2)
        s.gpus[0].memoryUsedMiB = 30000
        s.gpus[0].utilization = [75]
        s.gpus[0].powerWatts = 212.5
        s.gpus[0].eccCorrected = 5
        s.gpus[0].throttle = 0x4
        s.gpus[1].xid = (79, 0)
        s.processes = [.init(gpu: 0, pid: procs.pids[0], usedMiB: 10000), .init(gpu: 0, pid: procs.pids[1], usedMiB: 20000),
                       .init(gpu: 1, pid: procs.pids[2], usedMiB: 512)]
        let (a, _) = try start(s, extra: ["--expected-gpus", "4"])
        let m = try eventually(a) { $0.value("gpucluster_gpu_xid_errors_total") != nil }
        for f in Self.gpuFamilies { #expect(m.families.contains(f), "missing family \(f)") }
        let g0 = ["gpu": "0", "uuid": s.gpus[0].uuid]
        #expect(m.value("gpucluster_gpu_backend_up", ["backend": "nvml"]) == 1)
        #expect(m.value("gpucluster_gpus") == 2)
        #expect(m.value("gpucluster_gpus_missing") == 2, "4 expected, 2 present")
        #expect(m.value("gpucluster_gpu_memory_used_bytes", g0) == Double(30000 << 20))
        #expect(m.value("gpucluster_gpu_memory_total_bytes", g0) == Double(81920 << 20))
        #expect(m.value("gpucluster_gpu_utilization_ratio", g0) == 0.75)
        #expect(m.value("gpucluster_gpu_power_watts", g0) == 212.5)
        #expect(m.value("gpucluster_gpu_clock_hertz", g0.merging(["clock": "sm"]) { a, _ in a }) == 1_410_000_000)
        #expect(m.value("gpucluster_gpu_ecc_errors_total", g0.merging(["type": "corrected"]) { a, _ in a }) == 5)
        #expect(m.value("gpucluster_gpu_throttle_active", g0.merging(["reason": "sw_power_cap"]) { a, _ in a }) == 1)
        #expect(m.value("gpucluster_gpu_throttle_active", g0.merging(["reason": "gpu_idle"]) { a, _ in a }) == 0)
        #expect(m.value("gpucluster_gpu_processes", g0) == 2)
        #expect(m.value("gpucluster_gpu_xid_errors_total", ["gpu": "1", "xid": "79"]) == 1)
        let me = ProcessInspectorName.current
        #expect(m.value("gpucluster_gpu_user_memory_bytes", g0.merging(["user": me]) { a, _ in a }) == Double(30000 << 20))
        #expect(m.value("gpucluster_gpu_user_processes", g0.merging(["user": me]) { a, _ in a }) == 2)
        #expect(m.value("gpucluster_job_gpu_memory_bytes", ["job_kind": "process", "job": String(procs.pids[0])]) == Double(10000 << 20))
        #expect(m.all("gpucluster_job_gpu_memory_bytes").count == 3, "one series per job, no per-pid label elsewhere")
        #expect(!m.samples.contains { $0.labels["pid"] != nil }, "no per-pid labels in /metrics")

        // Per-process detail lives in the JSON API.
        let api = try a.get("/api/v1/node")
        #expect(api.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
        let processes = try #require(json["processes"] as? [[String: Any]])
        #expect(Set(processes.compactMap { ($0["pid"] as? NSNumber)?.int32Value }) == Set(procs.pids))
        #expect(processes.allSatisfy { ($0["command"] as? String)?.contains("sleep") == true })
        #expect(processes.allSatisfy { ($0["user"] as? String) == me })
        #expect(try a.get("/healthz").status == 200)
    }

    @Test("MIG: devices exported with profile and memory; utilization left out, not zero")
    func mig() throws {
        var s = SimScenario.uniform(count: 1, name: "NVIDIA H100 80GB HBM3")
        s.gpus[0].migEnabled = true
        s.migs = [.init(gpu: 0, uuid: "MIG-11111111-2222-3333-4444-555555555555", profile: "3g.40gb", memoryTotalMiB: 40192,
                        memoryUsedMiB: 1024, gpuInstance: 1, computeInstance: 0),
                  .init(gpu: 0, uuid: "MIG-66666666-2222-3333-4444-555555555555", profile: "1g.10gb", memoryTotalMiB: 9728,
                        memoryUsedMiB: 0, gpuInstance: 9, computeInstance: 0)]
        let (a, _) = try start(s)
        let m = try scrape(a)
        #expect(m.all("gpucluster_mig_device_info").count == 2)
        #expect(m.value("gpucluster_mig_memory_total_bytes", ["profile": "3g.40gb"]) == Double(40192 << 20))
        #expect(m.value("gpucluster_gpu_info", ["mig_mode": "enabled"]) == 1)
        #expect(m.value("gpucluster_gpu_utilization_ratio") == nil)
    }

    @Test("no processes, and 100 processes on one GPU")
    func processCounts() throws {
        let (idle, _) = try start(SimScenario.uniform(count: 2))
        let m0 = try scrape(idle)
        #expect(m0.all("gpucluster_gpu_processes").allSatisfy { $0.value == 0 })
        #expect(m0.all("gpucluster_gpu_user_memory_bytes").isEmpty)
        idle.stop()

        let procs = try SleepingProcesses(count: 100)
        var s = SimScenario.uniform(count: 1)
        s.processes = procs.pids.map { .init(gpu: 0, pid: $0, usedMiB: 100) }
        let (busy, _) = try start(s)
        let m = try scrape(busy)
        #expect(m.value("gpucluster_gpu_processes") == 100)
        #expect(m.value("gpucluster_gpu_user_processes", ["user": ProcessInspectorName.current]) == 100)
        #expect(m.value("gpucluster_gpu_user_memory_bytes", ["user": ProcessInspectorName.current]) == Double(100 * 100 << 20))
        #expect(m.all("gpucluster_job_gpu_memory_bytes").count == 100)
    }

    @Test("a GPU lost mid-run: the agent keeps serving and reports gpu_up 0")
    func lostMidRun() throws {
        var s = SimScenario.uniform(count: 2)
        let (a, scenario) = try start(s)
        #expect(try scrape(a).all("gpucluster_gpu_up").allSatisfy { $0.value == 1 })
        s.gpus[1].lost = true
        try s.text.write(toFile: scenario, atomically: true, encoding: .utf8)
        let m = try eventually(a) { $0.value("gpucluster_gpu_up", ["gpu": "1"]) == 0 }
        #expect(m.value("gpucluster_gpu_up", ["gpu": "1", "uuid": s.gpus[1].uuid]) == 0)
        #expect(m.value("gpucluster_gpu_up", ["gpu": "0"]) == 1)
        #expect(m.value("gpucluster_gpu_memory_used_bytes", ["gpu": "1"]) == nil, "no stale readings for a lost GPU")
        #expect(m.value("gpucluster_gpu_backend_up") == 1)
    }

    @Test("no NVML and no nvidia-smi: a clear 'no GPU backend' metric, still serving")
    func noBackend() throws {
        let a = try AgentProcess(arguments: ["--nvml", "/nonexistent/libnvidia-ml.so.1", "--nvidia-smi", "/nonexistent/nvidia-smi"])
        let m = try scrape(a)
        #expect(m.value("gpucluster_gpu_backend_up", ["backend": "none"]) == 0)
        #expect(m.value("gpucluster_gpus") == 0)
        #expect(m.value("gpucluster_agent_collector_success", ["collector": "gpu"]) == 0)
    }

    /// A stand-in for nvidia-smi (there is no GPU here) that prints a real capture's values
    /// in the columns the agent asks for.
    func fakeSMI(script body: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fake-smi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("nvidia-smi").path
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test("NVML missing, nvidia-smi present: the fallback reads a real capture's values")
    func smiFallback() throws {
        let fixture = try Fixtures.text("h100-mig-driver590-linux.load.query-gpu.csv")
        let lines = fixture.split(separator: "\n")
        let header = QueryCSV.cells(lines[0]).map { $0.components(separatedBy: " [")[0] }
        let row = QueryCSV.cells(lines[1])
        let projected = QueryCSV.gpuFields.map { f in header.firstIndex(of: f).map { row[$0] } ?? "[N/A]" }.joined(separator: ", ")
        let apps = try Fixtures.text("h100-mig-driver590-linux.load.query-compute-apps.csv").split(separator: "\n").dropFirst().map { line -> String in
            let c = QueryCSV.cells(line)   // timestamp, gpu_name, bus, serial, gpu_uuid, pid, name, used
            return [c[4], c[5], c[6], c[7]].joined(separator: ", ")
        }.joined(separator: "\n")
        let smi = try fakeSMI(script: """
        case "$1" in
          --query-gpu=*) cat <<'EOF'
        \(projected)
        EOF
          ;;
          --query-compute-apps=*) cat <<'EOF'
        \(apps)
        EOF
          ;;
          *) exit 2 ;;
        esac
        """)
        let a = try AgentProcess(arguments: ["--nvml", "/nonexistent/libnvidia-ml.so.1", "--nvidia-smi", smi, "--interval", "0.2"])
        // A cycle can fail on a loaded machine (the fake tool is a shell script); the next one reads it.
        let m = try eventually(a) { $0.value("gpucluster_gpu_backend_up", ["backend": "nvidia-smi"]) == 1 }
        #expect(m.value("gpucluster_gpu_backend_up", ["backend": "nvidia-smi"]) == 1)
        #expect(m.value("gpucluster_gpu_memory_used_bytes") == Double(11125 << 20))
        #expect(m.value("gpucluster_gpu_power_watts") == 433.78)
        #expect(m.value("gpucluster_gpu_utilization_ratio") == nil, "[N/A] is absent, not 0")
        #expect(m.value("gpucluster_gpu_processes") == 3)
        #expect(m.value("gpucluster_gpu_driver_info", ["driver_version": "590.48.01"]) == 1)
    }

    @Test("nvidia-smi hanging: killed at the timeout; scrapes never wait for it")
    func smiHangs() throws {
        let smi = try fakeSMI(script: "sleep 30\n")
        let a = try AgentProcess(arguments: ["--nvml", "/nonexistent/libnvidia-ml.so.1", "--nvidia-smi", smi,
                                             "--smi-timeout", "1", "--interval", "0.2"])
        // The first collection already waited for the timeout; now the collector is stuck in
        // the next one. Every scrape must still answer at once.
        for _ in 0..<10 {
            let t0 = Date()
            let r = try a.get("/metrics", timeout: 2)
            #expect(r.status == 200)
            #expect(Date().timeIntervalSince(t0) < 0.5, "a scrape waited for nvidia-smi")
            Thread.sleep(forTimeInterval: 0.1)
        }
        let m = try scrape(a)
        #expect(m.value("gpucluster_gpu_backend_up", ["backend": "nvidia-smi"]) == 0)
        #expect(try a.get("/api/v1/node").body.contains("did not answer"))
        #expect(try CommandRunnerCheck.processes(named: smi) <= 2, "hung nvidia-smi processes pile up")
        a.stop()
        Thread.sleep(forTimeInterval: 0.2)
        #expect(try CommandRunnerCheck.processes(named: smi) == 0, "a hung nvidia-smi outlived the agent")
    }

    @Test("promtool check metrics passes on the agent's output (MIG, XID, per-user and per-job series included)")
    func promtool() throws {
        guard let promtool = Tools.find("promtool") else {
            Issue.record("promtool is not installed; scripts/test installs Debian's prometheus package")
            return
        }
        let procs = try SleepingProcesses(count: 1)
        var s = SimScenario.uniform(count: 2)
        s.gpus[0].xid = (48, 0)
        s.gpus[0].migEnabled = true
        s.migs = [.init(gpu: 0, uuid: "MIG-x", profile: "1g.10gb", memoryTotalMiB: 9728, memoryUsedMiB: 5, gpuInstance: 1, computeInstance: 0)]
        s.processes = [.init(gpu: 1, pid: procs.pids[0], usedMiB: 1)]
        let (a, _) = try start(s)
        _ = try eventually(a) { $0.value("gpucluster_gpu_xid_errors_total") != nil }
        let body = try a.get("/metrics").body
        let r = try Tools.run(promtool, ["check", "metrics"], stdin: body)
        #expect(r.status == 0, "promtool: \(r.output)")
    }
}

enum ProcessInspectorName {
    static var current: String {
        guard let pw = getpwuid(getuid()), let n = pw.pointee.pw_name else { return String(getuid()) }
        return String(cString: n)
    }
}

enum CommandRunnerCheck {
    /// How many processes run the given script now.
    static func processes(named path: String) throws -> Int {
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }
        return entries.filter { pid in
            return Tools.procFile("/proc/\(pid)/cmdline")?.contains(path) ?? false
        }.count
    }
}
