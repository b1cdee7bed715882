#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import NIOCore
import NIOPosix

/// HTTP endpoints: `/metrics` (Prometheus text 0.0.4), `/api/v1/node` (JSON with per-process
/// detail), `/healthz`. Every answer comes from the latest published snapshot.
public enum AgentServer {
    public static func run(agent: Agent, host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            guard let p = agent.current else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "no collection yet\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: p.metrics)))
        }
        router.get("/api/v1/node") { _, _ -> Response in
            guard let p = agent.current else {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"no collection yet\"}")))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: p.json)))
        }
        router.get("/healthz") { _, _ -> Response in
            let fresh = agent.current.map { Date().timeIntervalSince1970 - $0.snapshot.collectedAt < 120 } ?? false
            return Response(status: fresh ? .ok : .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: fresh ? "ok\n" : "stale\n")))
        }
        // One event loop: a few scrapes a minute need no more, and NIO's default (a thread per
        // core) would grow the agent with the node (GPU nodes have 64–256 cores).
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "gpucluster-agent"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(loop))
        do {
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            try? await loop.shutdownGracefully()
            throw error
        }
        try? await loop.shutdownGracefully()
    }
}
