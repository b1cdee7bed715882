import Agent
import Foundation
import GPU
import Hummingbird
import HummingbirdTesting
import NIOCore
import NodeReport
import Testing

/// The agent's endpoints in process (HummingbirdTesting's router framework, no socket): what
/// each answers before and after a collection, and that nothing else is served.
@Suite("Agent router, in process")
struct AgentRouterTests {
    static func agent() -> Agent {
        var config = AgentConfig(gpuBackend: NoGPUBackend(reason: "no driver in this test"))
        config.expectedGPUs = 2
        config.hostname = "node\"<1>"
        return Agent(config: config)
    }

    @Test("before the first collection /metrics, /api/v1/node and /healthz answer 503")
    func beforeCollection() async throws {
        let app = Application(router: AgentServer.router(agent: Self.agent()))
        try await app.test(.router) { client in
            for uri in ["/metrics", "/api/v1/node", "/healthz"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .serviceUnavailable, "\(uri)") }
            }
        }
    }

    @Test("after a collection: exposition 0.0.4 with escaped labels, the node report as JSON, healthy; other paths 404")
    func afterCollection() async throws {
        let agent = Self.agent()
        agent.collectOnce()
        let app = Application(router: AgentServer.router(agent: agent))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: r.body)
                #expect(text.contains("\(Metric.gpusMissing.name) 2\n"), "two expected GPUs, none up")
                #expect(text.contains("\(Metric.gpuBackendUp.name){backend=\"none\"} 0\n"))
                #expect(text.contains(#"hostname="node\"<1>""#), "the label value is escaped")
            }
            try await client.execute(uri: "/api/v1/node", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "application/json")
                let report = try JSONDecoder().decode(NodeSnapshot.self, from: Data(String(buffer: r.body).utf8))
                #expect(report.hostname == "node\"<1>" && report.expectedGPUs == 2 && !report.gpu.backendUp)
                #expect(report.collectors.map(\.name).contains("gpu"))
                // The host beside its GPUs, from this machine's /proc and statvfs.
                let host = try #require(report.host)
                #expect((host.cpus ?? 0) >= 1 && (host.memoryTotalBytes ?? 0) > 1 << 20 && (host.rootTotalBytes ?? 0) > 0, "\(host)")
                #expect((host.memoryAvailableBytes ?? .max) <= (host.memoryTotalBytes ?? 0))
            }
            try await client.execute(uri: "/healthz", method: .get) { r in
                #expect(r.status == .ok && String(buffer: r.body) == "ok\n")
            }
            for uri in ["/", "/metrics/../etc/passwd", "/api/v1/nodes", "/api/v1/node/x"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .notFound, "\(uri)") }
            }
            try await client.execute(uri: "/metrics", method: .post, body: ByteBuffer(string: "x")) { r in
                #expect(r.status != .ok, "only GET is served")
            }
        }
    }
}
