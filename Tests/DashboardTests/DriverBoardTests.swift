import Fleet
import Foundation
import NodeReport
import Testing
@testable import Dashboard

/// A driver that needs a reboot, as the board, the terminal, the conditions and the bounds see
/// it: the node's GPUs down for that reason ("needs reboot: driver … loaded, … installed"), one
/// condition for the node instead of one per GPU, and versions from an agent re-checked.
@Suite("Driver problems on the board")
struct DriverBoardTests {
    static let now = 1_800_000_000.0

    static func observation(_ d: DriverHealth?, backendUp: Bool) -> NodeObservation {
        var o = NodeObservation(name: "gpu02", expectedGPUs: 2, reachable: true, lastSeen: now, backend: "nvml", backendUp: backendUp,
                                backendError: backendUp ? nil : "nvmlInit: Driver/library version mismatch",
                                gpus: backendUp ? [GPUObservation(index: 0, uuid: "GPU-a", name: "A100"), GPUObservation(index: 1, uuid: "GPU-b", name: "A100")] : [])
        o.driver = d
        return o
    }

    func snapshot(_ o: NodeObservation) -> ClusterSnapshot {
        var b = SnapshotBuilder(policy: FreePolicy())
        return b.build([o.bounded(now: Self.now)], now: Self.now, generation: 1, source: "test")
    }

    @Test("mismatch: GPUs down with the fix as the reason, 'needs reboot' on the board and the terminal, one condition")
    func mismatch() throws {
        var d = DriverHealth(problems: [.versionMismatch], loadedVersion: "550.54.14", libraryVersion: "550.90.07")
        d.fabricManagerExpected = false
        let s = snapshot(Self.observation(d, backendUp: false))
        let n = try #require(s.nodes.first)
        let reason = "needs reboot: driver 550.54.14 loaded, 550.90.07 installed"
        #expect(n.problem == reason && n.needsReboot && n.gpus.count == 2 && n.gpus.allSatisfy { $0.state == .down && $0.reason == reason })
        let row = BoardView.row(n, now: Self.now)
        #expect(row.contains("data-reboot=\"1\"") && row.contains(reason))
        let text = TerminalBoard(color: false, now: Self.now).render(s)
        #expect(text.contains("1 host to reboot") && text.contains(reason), "\(text)")
        let conditions = Condition.of(s)
        #expect(conditions.map(\.name) == ["GPUDriverProblem"] && conditions.first?.severity == "critical"
                && conditions.first?.summary == "gpu02: \(reason)", "\(conditions)")
    }

    @Test("fabric manager down: GPUs unhealthy, not free; persistence off: a warning on the node, GPUs stay free")
    func degraded() throws {
        let fabric = snapshot(Self.observation(DriverHealth(problems: [.fabricManagerDown]), backendUp: true))
        #expect(fabric.nodes.first?.gpus.allSatisfy { $0.state == .unhealthy && $0.reason == "fabric manager not running (NVSwitch)" } == true)
        var off = DriverHealth(problems: [.persistenceOff])
        off.persistenceOffGPUs = [1]
        let p = snapshot(Self.observation(off, backendUp: true))
        #expect(p.nodes.first?.gpus.allSatisfy { $0.state == .free } == true && p.nodes.first?.problem == "persistence mode off on GPU 1")
        #expect(p.nodes.first?.needsReboot == false)
        #expect(Condition.of(p).map(\.severity) == ["warning"])
    }

    @Test("bounds: versions that are not versions, repeated problems and GPU lists out of range are dropped and named")
    func hostile() throws {
        var d = DriverHealth(problems: [.versionMismatch, .versionMismatch], loadedVersion: "<script>alert(1)</script>", libraryVersion: "550.90.07\u{1b}[2J")
        d.persistenceOffGPUs = [-1, 3, 1_000_000]
        let o = Self.observation(d, backendUp: false).bounded(now: Self.now)
        #expect(o.driver?.loadedVersion == nil && o.driver?.libraryVersion == nil && o.driver?.problems == [.versionMismatch])
        #expect(o.driver?.persistenceOffGPUs == [3])
        #expect(o.dataProblem?.contains("driver loaded version") == true && o.dataProblem?.contains("repeated driver problems") == true, "\(o.dataProblem ?? "")")
        let row = BoardView.row(try #require(snapshot(Self.observation(d, backendUp: false)).nodes.first), now: Self.now)
        #expect(!row.contains("<script>") && row.contains("needs reboot: driver ? loaded, ? installed"))
    }
}
