import NodeReport
import Foundation
import Testing
import TestSupport
@testable import Agent
@testable import GPU

/// The per-pid cache: facts are read from /proc once per process, and a process that exits is
/// noticed (pidfd) so its pid is inspected again (it may be someone else's now).
@Suite("Process cache")
struct ProcessCacheTests {
    static func snapshot(pid: Int32) -> NodeSnapshot {
        var s = NodeSnapshot(hostname: "h", agentVersion: "t", collectedAt: 0, expectedGPUs: nil)
        var g = GPUReading(index: 0, uuid: "GPU-x", name: "A")
        g.processes = [GPUProcess(pid: pid, usedMemoryBytes: 1 << 20)]
        s.gpu = GPUCollection(backend: "test", backendUp: true, gpus: [g])
        return s
    }

    @Test("a cached process stays attributed while it runs; once it exits its pid is read again")
    func exitInvalidates() throws {
        let procs = try SleepingProcesses(count: 1)
        let pid = procs.pids[0]
        // Until the child has exec'd, /proc shows the forking test process; NVML only lists a
        // process once it has set up CUDA, long after exec.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !(Tools.procFile("/proc/\(pid)/cmdline") ?? "").hasPrefix("/bin/sleep") {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let c = GPUProcessCollector(inspector: ProcessInspector())
        var a = Self.snapshot(pid: pid)
        c.collect(&a)
        #expect(a.processes.first?.command == "/bin/sleep 600")
        var b = Self.snapshot(pid: pid)
        c.collect(&b)
        #expect(b.processes.first?.command == "/bin/sleep 600", "still the same process: served from the cache")
        procs.stop()
        var after = Self.snapshot(pid: pid)
        c.collect(&after)
        #expect(after.processes.first?.command == "?", "the process is gone: not the cached command")
        #expect(after.processes.first?.user == "unknown")
    }
}
