import Dashboard
import Fleet
import FleetSources
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NodeReport
import Testing

/// The dashboard's routes in process (HummingbirdTesting, no socket): bad parameters are a
/// 400 with a reason, unknown names a 404, and process detail only for the inside audience.
@Suite("Dashboard router, in process")
struct DashboardRouterTests {
    static func app() async -> DashboardApp {
        struct Fixed: ClusterSource {
            let name = "embedded"
            func observe() async -> SourceRound {
                let p = ProcessView(pid: 4242, user: "alice", command: "python train.py --secret-flag", memoryBytes: 2 << 30,
                                    job: "slurm 77", startTime: 1)
                return SourceRound(observations: [NodeObservation(name: "gpu01", reachable: true, gpus: [
                    GPUObservation(index: 0, uuid: "GPU-a", name: "A100", memoryUsedBytes: 2 << 30, memoryTotalBytes: 80 << 30,
                                   utilization: 90, processCount: 1, processes: [p], users: ["alice"], jobs: [p.job]),
                    GPUObservation(index: 1, uuid: "GPU-b", name: "A100", memoryUsedBytes: 0, memoryTotalBytes: 80 << 30, utilization: 0),
                ])])
            }
        }
        let m = FleetMonitor(source: Fixed(), policy: FreePolicy())
        await m.round()
        return DashboardApp(monitor: m, history: nil, config: .init(clusterName: "lab"))
    }

    static func body(_ r: TestResponse) -> String { String(buffer: r.body) }

    @Test("parameters are checked: min 1…64, range 24h/7d/30d, names bounded; a 400 says why")
    func badParameters() async throws {
        let app = Application(router: DashboardServer.router(await Self.app(), audience: .inside))
        try await app.test(.router) { client in
            for uri in ["/api/v1/free?min=0", "/api/v1/free?min=65", "/api/v1/free?min=two", "/api/v1/free?min=99999999999999999999",
                        "/?range=1y", "/api/v1/history?range=forever", "/node/" + String(repeating: "n", count: 300), "/api/v1/live?view=nope"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .badRequest, "\(uri): \(r.status)")
                    #expect(Self.body(r).contains("\"error\""), "\(uri)")
                }
            }
            try await client.execute(uri: "/api/v1/free?min=1", method: .get) { r in
                #expect(r.status == .ok && Self.body(r).contains("gpu01"), "\(Self.body(r))")
            }
            for uri in ["/node/gpu99", "/node/%2e%2e%2fetc", "/api/v1/history"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .notFound, "\(uri): \(r.status)") }
            }
        }
    }

    @Test("process detail (pid, command, job) reaches the inside audience only")
    func detailByAudience() async throws {
        let dashboard = await Self.app()
        var seen: [DashboardApp.Audience: String] = [:]
        for audience in [DashboardApp.Audience.inside, .outside] {
            let app = Application(router: DashboardServer.router(dashboard, audience: audience))
            seen[audience] = try await app.test(.router) { client in
                try await client.execute(uri: "/api/v1/snapshot", method: .get) { r in
                    #expect(r.status == .ok && r.headers[.cacheControl] == "no-store")
                    return Self.body(r)
                }
            }
        }
        #expect(seen[.inside]?.contains("--secret-flag") == true && seen[.inside]?.contains("4242") == true)
        #expect(seen[.outside]?.contains("--secret-flag") == false && seen[.outside]?.contains("4242") == false)
        #expect(seen[.outside]?.contains("GPU-b") == true, "the outside still sees the GPUs")
    }

    @Test("pages carry a per-response script nonce in their CSP; /healthz answers")
    func pagesAndHealth() async throws {
        let app = Application(router: DashboardServer.router(await Self.app()))
        try await app.test(.router) { client in
            var nonces: [String] = []
            for _ in 0..<2 {
                try await client.execute(uri: "/", method: .get) { r in
                    #expect(r.status == .ok)
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    let nonce = csp.firstMatch(of: /nonce-([0-9A-F]+)/).map { String($0.1) } ?? ""
                    #expect(!nonce.isEmpty && Self.body(r).contains("nonce=\"\(nonce)\""), "\(csp)")
                    nonces.append(nonce)
                }
            }
            #expect(nonces[0] != nonces[1], "a fresh nonce per response")
            try await client.execute(uri: "/healthz", method: .get) { r in #expect(r.status == .ok) }
        }
    }
}
