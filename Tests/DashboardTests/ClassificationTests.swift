import NodeReport
import Foundation
import Testing
@testable import Fleet
import Spec
import Agent
import TestSupport

/// "Free" as docs/DESIGN.md defines it, decided from observations without any server.
@Suite("GPU states, slots and users")
struct ClassificationTests {
    static func gpu(_ i: Int, used: UInt64 = 3 << 20, util: Double = 0, procs: [ProcessView] = [], up: Bool = true,
                    health: String? = nil) -> GPUObservation {
        GPUObservation(index: i, uuid: "GPU-\(i)", name: "A100", up: up, memoryUsedBytes: used, memoryTotalBytes: 80 << 30,
                       utilization: util, processCount: procs.count, processes: procs,
                       users: Array(Set(procs.map(\.user))).sorted(), jobs: Array(Set(procs.map(\.job))).sorted(), healthProblem: health)
    }
    static func proc(_ user: String, pid: Int32 = 100) -> ProcessView {
        ProcessView(pid: pid, user: user, command: "python train.py", memoryBytes: 2 << 30, job: "slurm 1", startTime: 1000)
    }

    @Test("free needs: node up, GPU healthy, no process, memory under the threshold")
    func freeDefinition() {
        var b = SnapshotBuilder(policy: FreePolicy())
        let node = NodeObservation(name: "n1", expectedGPUs: 6, reachable: true, gpus: [
            Self.gpu(0),
            Self.gpu(1, used: 2 << 30),                          // memory held without a listed process
            Self.gpu(2, util: 90, procs: [Self.proc("alice")]),
            Self.gpu(3, up: false),
            Self.gpu(4, health: "XID 79 (fallen off the bus)"),
        ])
        let s = b.build([node], now: 10_000, generation: 1, source: "test")
        #expect(s.nodes[0].gpus.map(\.state) == [.free, .busy, .busy, .down, .unhealthy, .down])
        #expect(s.nodes[0].gpus[5].reason == "missing: spec expects 6, agent sees 5")
        #expect(s.nodes[0].gpus[2].users == ["alice"])
        #expect(s.totals.free == 1 && s.totals.busy == 2 && s.totals.down == 2 && s.totals.unhealthy == 1 && s.totals.gpus == 6)
        // Just under the threshold is still free.
        var c = SnapshotBuilder(policy: FreePolicy(freeMemoryBytes: 1 << 30))
        let edge = c.build([NodeObservation(name: "n", reachable: true, gpus: [Self.gpu(0, used: (1 << 30) - 1)])], now: 0, generation: 1, source: "t")
        #expect(edge.nodes[0].gpus[0].state == .free)
    }

    @Test("idle-held only after the idle window; any busy reading resets it")
    func idleHeld() {
        var b = SnapshotBuilder(policy: FreePolicy(idleUtilizationPercent: 5, idleSeconds: 1800))
        func round(_ t: Double, util: Double) -> GPUView {
            b.build([NodeObservation(name: "n", reachable: true, gpus: [Self.gpu(0, util: util, procs: [Self.proc("carol")])])],
                    now: t, generation: 1, source: "t").nodes[0].gpus[0]
        }
        #expect(round(0, util: 3).state == .busy)
        #expect(round(1799, util: 5).state == .busy)
        let held = round(1800, util: 0)
        #expect(held.state == .idleHeld)
        #expect(held.reason?.contains("carol") == true)
        #expect(held.idleSince == 0)
        #expect(round(1900, util: 40).state == .busy)     // working again
        #expect(round(2000, util: 0).state == .busy)      // the window starts over
        #expect(round(3799, util: 0).state == .busy)
        #expect(round(3800, util: 1).state == .idleHeld)
        // A source that knows the window (Prometheus) decides directly.
        var p = SnapshotBuilder(policy: FreePolicy())
        var g = Self.gpu(0, util: 0, procs: [Self.proc("dave")])
        g.idleForWindow = true
        #expect(p.build([NodeObservation(name: "n", reachable: true, gpus: [g])], now: 5, generation: 1, source: "t").nodes[0].gpus[0].state == .idleHeld)
    }

    @Test("an unreachable node keeps its GPU cells, all down, with the reason and since when")
    func downNode() {
        var b = SnapshotBuilder(policy: FreePolicy())
        let o = NodeObservation(name: "n", expectedGPUs: 4, reachable: false, problem: "timed out after 2 s", downSince: 100,
                                gpus: [Self.gpu(0), Self.gpu(1)])
        let s = b.build([o], now: 400, generation: 1, source: "t")
        #expect(s.nodes[0].gpus.count == 4)
        #expect(s.nodes[0].gpus.allSatisfy { $0.state == .down && $0.reason == "timed out after 2 s" })
        #expect(s.nodes[0].downSince == 100)
        #expect(s.totals.nodesUp == 0)
        let noBackend = NodeObservation(name: "m", reachable: true, backend: "none", backendUp: false,
                                        backendError: "cannot load libnvidia-ml.so.1", gpus: [])
        let t = b.build([noBackend], now: 1, generation: 2, source: "t")
        #expect(t.nodes[0].problem?.contains("no GPU backend") == true)
    }

    @Test("slots: nodes with at least k free GPUs, for k = 1, 2, 4, 8")
    func slots() {
        var b = SnapshotBuilder(policy: FreePolicy())
        let busy = [Self.proc("x")]
        let nodes = [
            NodeObservation(name: "a", reachable: true, gpus: (0..<8).map { Self.gpu($0) }),
            NodeObservation(name: "b", reachable: true, gpus: (0..<8).map { Self.gpu($0, procs: $0 < 3 ? busy : []) }),
            NodeObservation(name: "c", reachable: true, gpus: (0..<4).map { Self.gpu($0, procs: $0 == 0 ? busy : []) }),
            NodeObservation(name: "d", reachable: false, gpus: (0..<8).map { Self.gpu($0) }),
        ]
        let s = b.build(nodes, now: 0, generation: 1, source: "t")
        #expect(s.slots == [Slot(gpus: 1, nodes: ["a", "b", "c"]), Slot(gpus: 2, nodes: ["a", "b", "c"]),
                            Slot(gpus: 4, nodes: ["a", "b"]), Slot(gpus: 8, nodes: ["a"])])
        #expect(s.totals.free == 8 + 5 + 3)
    }

    @Test("the agent's report becomes observations: compute processes only, XID 79 is unhealthy")
    func fromAgentReport() throws {
        let json = """
        {"hostname":"n","agentVersion":"0.1.0","collectedAt":5,"expectedGPUs":2,"gpu":{"backend":"nvml","backendUp":true,
         "gpus":[{"index":0,"uuid":"GPU-a","name":"A100","up":true,"clocksMHz":{},"maxClocksMHz":{},"migDevices":[],"memoryUsedBytes":1000,
                  "processes":[{"pid":7,"kind":"graphics"}]},
                 {"index":1,"uuid":"GPU-b","name":"A100","up":true,"clocksMHz":{},"maxClocksMHz":{},"migDevices":[],"processes":[]}],
         "xidCounts":[{"uuid":"GPU-b","index":1,"xid":79},1]},
         "processes":[{"pid":7,"gpuIndex":0,"gpuUUID":"GPU-a","kind":"graphics","user":"root","command":"Xorg","job":{"kind":"process","id":"7"}}],
         "disks":[],"collectors":[]}
        """
        let report = try JSONDecoder().decode(AgentReport.self, from: Data(json.utf8))
        let o = NodeObservation(name: "n", expectedGPUs: nil, tags: [], report: report, lastSeen: 5)
        #expect(o.expectedGPUs == 2)
        #expect(o.gpus[0].processCount == 0, "a graphics process (Xorg) does not hold a GPU for compute")
        #expect(o.gpus[1].healthProblem == "XID 79 (fallen off the bus)")
    }

    @Test("targets come from the spec's GPU nodes at their internal address; --agent overrides them")
    func targets() throws {
        let spec = try #require(SpecLoader.load(bytes: Array(ExampleSpec.text.utf8)).spec)
        let t = AgentTarget.from(spec)
        #expect(t.map(\.name) == ["gpu01", "gpu02", "gpu03"])
        #expect(t.map(\.endpoint) == ["10.10.0.11:9855", "10.10.0.12:9855", "10.10.0.13:9855"])
        #expect(t.map(\.expectedGPUs) == [8, 8, 4])
        let o = AgentTarget.from(spec, overrides: ["gpu02": "127.0.0.1:1234"])
        #expect(o[1].endpoint == "127.0.0.1:1234")
        for bad in ["gpu01", "=1.2.3.4:80", "gpu01=1.2.3.4", "gpu01=1.2.3.4:0", "gpu01=1.2.3.4:70000", "gpu01=a b:80",
                    "gpu01=<script>:80", "gpu01=:80"] {
            guard case .failure = AgentTarget.parseOverride(bad) else { Issue.record("accepted \(bad)"); continue }
        }
        guard case .success(let ok) = AgentTarget.parseOverride("gpu01=127.0.0.1:9855") else { Issue.record("refused a good one"); return }
        #expect(ok.name == "gpu01" && ok.endpoint == "127.0.0.1:9855")
    }

    @Test("the terminal board shows control characters in names escaped, colours only when asked")
    func terminalBoard() {
        var b = SnapshotBuilder(policy: FreePolicy())
        let evil = ProcessView(pid: 1, user: "eve\u{1B}[2J", command: "x", memoryBytes: nil, job: "job\u{7}\u{202E}", startTime: nil)
        let s = b.build([NodeObservation(name: "n\u{1B}]0;pwned\u{7}", reachable: true,
                                         gpus: [Self.gpu(0), Self.gpu(1, util: 50, procs: [evil])])], now: 0, generation: 1, source: "t")
        let plain = TerminalBoard(color: false, now: 0).render(s)
        #expect(!plain.contains("\u{1B}") && !plain.contains("\u{7}") && !plain.contains("\u{202E}"))
        #expect(plain.contains("eve\\u{1b}[2J"))
        #expect(plain.hasPrefix("1 of 2 GPUs free"))
        let colored = TerminalBoard(color: true, now: 0).render(s)
        #expect(colored.contains("\u{1B}[32m"))
        let free = TerminalBoard(color: false, filter: .free, now: 0).render(s)
        #expect(free.contains("[0] free") && !free.contains("[1]"))
        let mine = TerminalBoard(color: false, filter: .user("nobody"), now: 0).render(s)
        #expect(!mine.contains("[0]") && !mine.contains("[1]"))
    }
}
