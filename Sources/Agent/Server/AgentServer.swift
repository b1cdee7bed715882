#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOPosix

/// HTTP endpoints: `/metrics` (Prometheus text 0.0.4), `/api/v1/node` (JSON with per-process
/// detail), `/healthz`. Every answer comes from the latest published snapshot.
public enum AgentServer {
    public enum Listen: Sendable {
        case tcp(host: String, port: Int)
        /// Behind `gpucluster-agent-proxy.socket`: systemd holds the TCP port at all times, so
        /// no local user can take it while the agent restarts.
        case unixSocket(String)
    }

    /// At most this many open connections; more wait in the kernel's backlog. Far below the
    /// unit's LimitNOFILE, so the agent's own /proc reads always find descriptors.
    public static let maxConnections = 2048
    /// A connection that sends nothing for this long is closed (idle keep-alives, slow clients).
    public static let idleTimeout: TimeAmount = .seconds(15)

    /// The soft open-file limit up to the hard one (at most 65,536): 1,000 idle sockets must
    /// not leave the collectors without descriptors.
    public static func raiseOpenFileLimit() {
        var l = rlimit()
        let nofile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(nofile, &l) == 0 else { return }
        let want = min(l.rlim_max, 65_536)
        if l.rlim_cur < want {
            l.rlim_cur = want
            _ = setrlimit(nofile, &l)
        }
    }

    /// The endpoints over an agent's latest snapshot (in-process tests use this with
    /// HummingbirdTesting; `run` serves it).
    public static func router(agent: Agent) -> Router<BasicRequestContext> {
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
        return router
    }

    public static func run(agent: Agent, listen: Listen, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let router = router(agent: agent)
        // One event loop: a few scrapes a minute need no more, and NIO's default (a thread per
        // core) would grow the agent with the node (GPU nodes have 64–256 cores).
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address: BindAddress, port: Int
        switch listen {
        case .tcp(let h, let p): address = .hostname(h, port: p); port = p
        case .unixSocket(let path): address = .unixDomainSocket(path: path); port = 0
        }
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: address, serverName: "gpucluster-agent",
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
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
