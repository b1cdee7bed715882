import NodeReport
import Foundation
import Testing
@testable import Dashboard
@testable import Fleet
@testable import FleetSources

/// Pages rendered without a server: every name a cluster user controls comes out as text.
@Suite("Pages and escaping")
struct PageTests {
    static let hostile = "<img src=x onerror=alert(1)>"

    static func app(_ nodes: [NodeObservation], now: Double = 1_000) async -> DashboardApp {
        struct Fixed: ClusterSource {
            let name = "embedded"
            let obs: [NodeObservation]
            func observe() async -> SourceRound { SourceRound(observations: obs) }
        }
        let m = FleetMonitor(source: Fixed(obs: nodes), policy: FreePolicy())
        await m.round()
        return DashboardApp(monitor: m, history: nil, config: .init(clusterName: "lab\"<b>"))
    }

    static func hostileNode() -> NodeObservation {
        let p = ProcessView(pid: 66, user: "mal\"lory<script>", command: hostile, memoryBytes: 1 << 30,
                            job: "docker </td><script>", startTime: 1)
        return NodeObservation(name: "gpu<01>", reachable: true, gpus: [
            GPUObservation(index: 0, uuid: "GPU-\"x\"", name: "A100 <b>", memoryUsedBytes: 1 << 30, memoryTotalBytes: 80 << 30,
                           utilization: 50, processCount: 1, processes: [p], users: [p.user], jobs: [p.job]),
            GPUObservation(index: 1, uuid: "GPU-y", name: "A100", memoryUsedBytes: 0, memoryTotalBytes: 80 << 30, utilization: 0),
        ])
    }

    @Test("board, node, user and users pages escape process names, users, jobs, nodes and UUIDs")
    func escaping() async throws {
        let app = await Self.app([Self.hostileNode()])
        var pages: [String] = []
        for view in [DashboardApp.View.board, .users, .node("gpu<01>"), .user("mal\"lory<script>")] {
            pages.append(try #require(await app.page(view, nonce: "n0nce")))
        }
        for page in pages {
            #expect(!page.contains("<img"), "raw <img> in a page")
            #expect(!page.contains("<script>"), "raw <script> in a page")
            #expect(page.components(separatedBy: "<script").count == 2, "only our own script tag")
            #expect(!page.contains("\"x\""), "a raw quote would end an attribute")
        }
        #expect(pages[0].contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(pages[2].contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(pages[0].contains("/user/mal%22lory%3Cscript%3E"))
        #expect(pages[0].contains("<title>GPU board · lab&quot;&lt;b&gt;</title>"))
    }

    @Test("the headline counts free GPUs and slots; an unknown node is a 404, not a crash")
    func headline() async throws {
        let app = await Self.app([Self.hostileNode()])
        let page = try #require(await app.page(.board, nonce: "n"))
        #expect(page.contains("data-free=\"1\" data-total=\"2\""))
        #expect(page.contains("<span class=\"n\">1</span> of 2 GPUs free now"))
        #expect(await app.page(.node("nope"), nonce: "n") == nil)
        let live = try #require(app.liveJSON(.board))
        #expect(live.generation == 1 && live.html.contains("data-free=\"1\""))
        #expect(app.free(min: 1).nodes.map(\.node) == ["gpu<01>"])
        #expect(app.free(min: 2).nodes.isEmpty)
    }

    @Test("views named in /api/v1/live are parsed strictly")
    func viewTokens() {
        #expect(DashboardApp.View(token: "board") == .board)
        #expect(DashboardApp.View(token: "node:gpu01") == .node("gpu01"))
        #expect(DashboardApp.View(token: "user:a:b") == .user("a:b"))
        #expect(DashboardApp.View(token: "javascript:alert(1)") == nil)
    }

    @Test("HTML.escape covers the five characters and control characters")
    func escapeFunction() {
        #expect(HTML.escape("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
        #expect(HTML.escape("a\u{0}b\u{1B}c") == "a\u{FFFD}b\u{FFFD}c")
        #expect(HTML.pathSegment("a/b c<") == "a%2Fb%20c%3C")
    }

    @Test("charts are drawn as SVG with escaped labels, and say so when empty")
    func charts() {
        let svg = SVGChart.lines([.init(label: "free <b>", color: "#0a0", points: [(0, 1), (50, 3), (100, 2)])],
                                 from: 0, to: 100, yMax: 4, yLabel: "GPUs", title: "t<")
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.contains("free &lt;b&gt;") && !svg.contains("free <b>"))
        #expect(SVGChart.lines([], from: 0, to: 1, yMax: nil, yLabel: "", title: "x").contains("no history yet"))
        let bars = SVGChart.stackedBars(days: [0, 86_400], stacks: [("eve<", "#f00", [0: 2.5])], title: "h")
        #expect(bars.contains("<rect") && bars.contains("eve&lt;: 2.5 GPU-h"))
    }
}

@Suite("Host condition on the node page")
struct HostConditionPageTests {
    @Test("load, memory and the root filesystem beside the GPUs; implausible values are dropped and said")
    func hostLine() async throws {
        var ok = NodeObservation(name: "gpu01", reachable: true, gpus: [])
        ok.host = HostCondition(cpus: 64, load1: 3.24, memoryTotalBytes: 512 << 30, memoryAvailableBytes: 392 << 30,
                                rootTotalBytes: 100 << 30, rootAvailableBytes: 59 << 30)
        var bad = NodeObservation(name: "gpu02", reachable: true, gpus: [])
        bad.host = HostCondition(cpus: 0, load1: .nan, memoryTotalBytes: 1 << 30, memoryAvailableBytes: 2 << 30)
        // What every source does on receipt (NodeMemory.record): bound the outside values.
        let app = await PageTests.app([ok.bounded(now: 1_000), bad.bounded(now: 1_000)])
        let page = try #require(await app.page(.node("gpu01"), nonce: "n"))
        #expect(page.contains("Host: load 3.2 on 64 CPUs · memory 120 of 512 GiB used · / 41 % full"), "\(page)")
        let other = try #require(await app.page(.node("gpu02"), nonce: "n"))
        #expect(!other.contains("id=\"host\""), "nothing plausible to show")
        #expect(other.contains("ignored implausible values") && other.contains("memory"), "the dropped values are named")
    }
}
