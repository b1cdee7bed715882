import NodeReport
import Foundation
import Testing
import TestSupport
@testable import GPU

/// The NVML backend against the simulated library (a private copy per test).
@Suite("NVML backend on the simulated library")
struct NVMLBackendTests {
    func backend(_ s: SimScenario) throws -> (NVMLBackend, String) {
        let inst = try SimLibrary.instance(s.text)
        let b = try NVMLBackend.load(path: inst.library).get()
        return (b, inst.scenario)
    }

    @Test("readings equal the scenario: memory, utilization, power, clocks, ECC, remapped rows, throttle")
    func readings() throws {
        let procs = try SleepingProcesses(count: 2)
        var s = SimScenario.uniform(count: 2)
        s.driverVersion = "550.54.15"
        s.gpus[0].memoryUsedMiB = 30000
        s.gpus[0].memoryReservedMiB = 500
        s.gpus[0].utilization = [87]
        s.gpus[0].memoryUtilization = [40]
        s.gpus[0].temperature = 61
        s.gpus[0].fan = nil
        s.gpus[0].powerWatts = 251.5
        s.gpus[0].powerLimitWatts = 400
        s.gpus[0].eccCorrected = 12
        s.gpus[0].eccUncorrected = 1
        s.gpus[0].remappedRows = [2, 0, 1, 0]
        s.gpus[0].throttle = 0x4
        s.gpus[0].performanceState = 2
        s.processes = [.init(gpu: 0, pid: procs.pids[0], usedMiB: 20000), .init(gpu: 0, pid: procs.pids[1], usedMiB: 9000)]
        let (b, _) = try backend(s)
        let c = b.collect()
        #expect(c.backendUp)
        #expect(c.backend == "nvml")
        #expect(c.driverVersion == "550.54.15")
        #expect(c.cudaVersion == "12.2")
        #expect(c.gpus.count == 2)
        let g = try #require(c.gpus.first)
        #expect(g.up)
        #expect(g.uuid == s.gpus[0].uuid)
        #expect(g.name == "NVIDIA A100-SXM4-80GB")
        #expect(g.memoryTotalBytes == UInt64(81920) << 20)
        #expect(g.memoryUsedBytes == UInt64(30000) << 20)
        #expect(g.memoryReservedBytes == UInt64(500) << 20)
        #expect(g.utilizationGPU == 87)
        #expect(g.utilizationMemory == 40)
        #expect(g.temperatureCelsius == 61)
        #expect(g.fanPercent == nil, "not supported stays missing")
        #expect(g.powerWatts == 251.5)
        #expect(g.powerLimitWatts == 400)
        #expect(g.clocksMHz == ["graphics": 1410, "sm": 1410, "memory": 1593, "video": 1275])
        #expect(g.eccCorrected == 12)
        #expect(g.eccUncorrected == 1)
        #expect(g.remappedRows == RemappedRows(correctable: 2, uncorrectable: 0, pending: true, failed: false))
        #expect(g.throttleReasons == 0x4)
        #expect(g.performanceState == 2)
        #expect(g.migEnabled == false)
        #expect(g.processes.map(\.pid) == procs.pids)
        #expect(g.processes.map(\.usedMemoryBytes) == [UInt64(20000) << 20, UInt64(9000) << 20])
        #expect(c.gpus[1].processes.isEmpty)
    }

    @Test("no processes: an empty list, not an error")
    func noProcesses() throws {
        let (b, _) = try backend(SimScenario.uniform(count: 4))
        let c = b.collect()
        #expect(c.gpus.count == 4)
        #expect(c.gpus.allSatisfy { $0.up && $0.processes.isEmpty })
    }

    @Test("100 processes on one GPU are all read (count first, then fetch)")
    func hundredProcesses() throws {
        var s = SimScenario.uniform(count: 1)
        s.processes = (0..<100).map { SimScenario.Process(gpu: 0, pid: Int32(100_000 + $0), usedMiB: $0 + 1) }
        let (b, _) = try backend(s)
        let g = try #require(b.collect().gpus.first)
        #expect(g.processes.count == 100)
        #expect(Set(g.processes.map(\.pid)) == Set((0..<100).map { Int32(100_000 + $0) }))
        #expect(g.processes.map { $0.usedMemoryBytes ?? 0 }.reduce(0, +) == UInt64((1...100).reduce(0, +)) << 20)
    }

    @Test("MIG: mode, devices with their memory, and processes per instance")
    func mig() throws {
        var s = SimScenario.uniform(count: 1, name: "NVIDIA H100 80GB HBM3")
        s.gpus[0].migEnabled = true
        s.migs = [
            .init(gpu: 0, uuid: "MIG-aaaa", profile: "3g.40gb", memoryTotalMiB: 40192, memoryUsedMiB: 2000, gpuInstance: 1, computeInstance: 0),
            .init(gpu: 0, uuid: "MIG-bbbb", profile: "1g.10gb", memoryTotalMiB: 9728, memoryUsedMiB: 0, gpuInstance: 9, computeInstance: 0),
        ]
        var p = SimScenario.Process(gpu: 0, pid: 4242, usedMiB: 2000)
        p.gpuInstance = 1
        p.computeInstance = 0
        s.processes = [p]
        let (b, _) = try backend(s)
        let g = try #require(b.collect().gpus.first)
        #expect(g.migEnabled == true)
        #expect(g.utilizationGPU == nil, "utilization is not supported with MIG on")
        #expect(g.migDevices.map(\.uuid) == ["MIG-aaaa", "MIG-bbbb"])
        #expect(g.migDevices.map(\.name) == ["NVIDIA H100 80GB HBM3 MIG 3g.40gb", "NVIDIA H100 80GB HBM3 MIG 1g.10gb"])
        #expect(g.migDevices.first?.memoryTotalBytes == UInt64(40192) << 20)
        #expect(g.migDevices.first?.gpuInstanceID == 1)
        #expect(g.processes.first?.gpuInstanceID == 1)
    }

    @Test("a GPU lost mid-run is reported down; the others keep reading")
    func lostMidRun() throws {
        var s = SimScenario.uniform(count: 2)
        s.gpus[1].memoryUsedMiB = 100
        let (b, scenario) = try backend(s)
        let firstUp = b.collect().gpus.allSatisfy { $0.up }
        #expect(firstUp)
        s.gpus[1].lost = true
        try s.text.write(toFile: scenario, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.15)   // the library re-reads its file at most every 100 ms
        let c = b.collect()
        #expect(c.backendUp)
        #expect(c.gpus.count == 2)
        #expect(c.gpus[0].up)
        #expect(c.gpus[1].up == false)
        #expect(c.gpus[1].uuid == s.gpus[1].uuid, "the lost GPU keeps its identity")
        #expect(c.gpus[1].error?.contains("lost") == true)
    }

    @Test("a GPU that vanishes from the count is still reported, down")
    func vanished() throws {
        var s = SimScenario.uniform(count: 3)
        let (b, scenario) = try backend(s)
        #expect(b.collect().gpus.count == 3)
        let gone = s.gpus.removeLast()
        try s.text.write(toFile: scenario, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.15)
        let c = b.collect()
        #expect(c.gpus.count == 3)
        #expect(c.gpus.first { $0.uuid == gone.uuid }?.up == false)
    }

    @Test("XID events accumulate as a counter")
    func xid() throws {
        var s = SimScenario.uniform(count: 2)
        s.gpus[1].xid = (79, 0)
        let (b, _) = try backend(s)
        _ = b.collect()          // registers for events
        Thread.sleep(forTimeInterval: 0.05)
        let c = b.collect()
        let key = XIDKey(uuid: s.gpus[1].uuid, index: 1, xid: 79)
        #expect(c.xidCounts[key] == 1)
        #expect(b.collect().xidCounts[key] == 1, "delivered once, then kept (a counter, not a last value)")
    }

    @Test("a missing library is a clear load error")
    func missingLibrary() {
        switch NVMLBackend.load(path: "/nonexistent/libnvidia-ml.so.1") {
        case .success: Issue.record("should not load")
        case .failure(let e): #expect(e.message.contains("cannot load"))
        }
    }
}
