import Fleet
import Foundation
import NodeReport
import Testing
@testable import Dashboard

/// Pending updates and reboots as the dashboard and `status` show them, and as the bounds
/// re-check them (an agent's answer is outside input).
@Suite("Updates and reboots on the board")
struct RebootBoardTests {
    static func node(_ name: String, _ u: UpdatesStatus?) -> NodeView {
        var n = NodeView(name: name, up: true, gpus: [])
        var h = HostCondition()
        h.updates = u
        n.host = h
        return n
    }

    @Test("a host to reboot is marked on the board and the terminal; one with nothing pending is not")
    func marked() {
        var u = UpdatesStatus()
        u.rebootRequired = true; u.pending = 3; u.security = 1; u.rebootPackages = ["linux-image-6.1.0-99-amd64"]
        var quiet = UpdatesStatus()
        quiet.rebootRequired = false; quiet.pending = 0
        let now = 1_800_000_000.0
        let row = BoardView.row(Self.node("gpu02", u), now: now)
        #expect(row.contains("data-reboot=\"1\"") && row.contains("needs reboot") && row.contains("linux-image-6.1.0-99-amd64"))
        #expect(!BoardView.row(Self.node("gpu01", quiet), now: now).contains("data-reboot"))
        let snapshot = ClusterSnapshot(generation: 1, takenAt: now, source: "test", policy: FreePolicy(),
                                       nodes: [Self.node("gpu01", quiet), Self.node("gpu02", u)])
        let text = TerminalBoard(color: false, now: now).render(snapshot)
        #expect(text.contains("1 host to reboot") && text.contains("gpu02  reboot required (linux-image-6.1.0-99-amd64) · 3 updates, 1 security"), "\(text)")
        #expect(!text.contains("gpu01  "), "nothing shown for a host with nothing pending: \(text)")
        let page = DetailPages.node(Self.node("gpu02", u), now: now)
        #expect(page.contains("<p id=\"updates\">Updates: reboot required"))
    }

    @Test("bounds: implausible counts, times and package names from an agent are dropped and named")
    func bounded() {
        let now = 1_800_000_000.0
        var u = UpdatesStatus()
        u.pending = 2; u.security = 7; u.checkedAt = .infinity; u.rebootPackages = ["ok", "<script>", String(repeating: "a", count: 70)]
        var h = HostCondition()
        h.updates = u
        var raw = NodeObservation(name: "n", expectedGPUs: 0, reachable: true, lastSeen: now)
        raw.host = h
        let o = raw.bounded(now: now)
        #expect(o.host?.updates?.pending == nil && o.host?.updates?.security == nil && o.host?.updates?.checkedAt == nil)
        #expect(o.host?.updates?.rebootPackages == ["ok"])
        #expect(o.dataProblem?.contains("update counts") == true && o.dataProblem?.contains("reboot packages") == true, "\(o.dataProblem ?? "")")
    }
}
