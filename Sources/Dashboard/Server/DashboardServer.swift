import Fleet
import Spec
import Foundation
import History
import Hummingbird
import HummingbirdCore
import NIOCore

/// HTTP: the pages, `/api/v1/…` (documented in docs/api.md) and `/healthz`.
public enum DashboardServer {
    static let maxNameLength = 256
    /// Open connections at most (more wait in the backlog), and how long one may stay idle.
    public static let maxConnections = 1024
    public static let idleTimeout: TimeAmount = .seconds(30)

    /// Each request knows where it came from: detail is for the cluster's own networks.
    public struct Context: RequestContext, RemoteAddressRequestContext {
        public var coreContext: CoreRequestContextStorage
        public let remoteAddress: SocketAddress?
        public init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
            fixedAudience = nil
        }

        /// Set by the listener when the connection's address says nothing (a Unix socket).
        public var fixedAudience: DashboardApp.Audience?

        func audience(_ app: DashboardApp) -> DashboardApp.Audience {
            if let fixedAudience { return fixedAudience }
            guard case .v4(let a) = remoteAddress, let ip = IPv4(a.host) else {
                // IPv6 or unknown: only ::1 counts as inside (the spec's networks are IPv4).
                if case .v6(let a) = remoteAddress, a.host == "::1" { return .inside }
                return .outside
            }
            return app.config.audience(of: ip)
        }
    }

    /// Where the dashboard listens. On a host: Unix sockets behind the ports systemd holds, one
    /// for the cluster's own networks and one for the public network (the address a client
    /// connected to decides what it sees, the proxy having hidden who it is).
    public enum Listener: Sendable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String, audience: DashboardApp.Audience)
    }

    public static func router(_ app: DashboardApp, audience fixed: DashboardApp.Audience? = nil) -> Router<Context> {
        let router = Router(context: Context.self)
        if let fixed { router.add(middleware: FixedAudience(audience: fixed)) }
        router.get("/") { req, ctx -> Response in
            guard let range = parseRange(req) else { return badRequest("range must be one of 24h, 7d, 30d") }
            return await html(app, .board, range: range, ctx.audience(app))
        }
        router.get("/users") { _, ctx in await html(app, .users, ctx.audience(app)) }
        router.get("/node/:name") { _, ctx -> Response in
            guard let name = name(ctx) else { return badRequest("bad node name") }
            return await html(app, .node(name), ctx.audience(app))
        }
        router.get("/user/:name") { _, ctx -> Response in
            guard let name = name(ctx) else { return badRequest("bad user name") }
            return await html(app, .user(name), ctx.audience(app))
        }
        router.get("/api/v1/snapshot") { _, ctx in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(bytes: app.snapshotJSON(for: ctx.audience(app)))))
        }
        router.get("/api/v1/users") { _, ctx in json(UserUsage.all(in: app.snapshot(for: ctx.audience(app)))) }
        router.get("/api/v1/free") { req, ctx -> Response in
            let raw = req.uri.queryParameters.get("min") ?? "1"
            guard let k = Int(raw), (1...64).contains(k) else { return badRequest("min must be a whole number from 1 to 64") }
            return json(app.free(min: k, audience: ctx.audience(app)))
        }
        router.get("/api/v1/history") { req, _ -> Response in
            guard let range = parseRange(req) else { return badRequest("range must be one of 24h, 7d, 30d") }
            do {
                guard let h = try await app.historyJSON(range) else { return error(.notFound, "this dashboard keeps no history (Prometheus backend)") }
                return json(h)
            } catch {
                return DashboardServer.error(.internalServerError, "history: \(error)")
            }
        }
        router.get("/api/v1/live") { req, ctx -> Response in
            let token = req.uri.queryParameters.get("view") ?? "board"
            guard token.utf8.count <= maxNameLength + 5, let view = DashboardApp.View(token: token) else { return badRequest("unknown view") }
            guard let live = app.liveJSON(view, audience: ctx.audience(app)) else { return error(.notFound, "no such node") }
            return json(live)
        }
        router.get("/favicon.ico") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "max-age=86400"],
                     body: .init(byteBuffer: ByteBuffer(string: favicon)))
        }
        router.get("/healthz") { _, _ -> Response in
            let h = app.health()
            return Response(status: h.ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: h.text + "\n")))
        }
        return router
    }

    public static func run(_ app: DashboardApp, host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await run(app, listeners: [.tcp(host: host, port: port)]) { _, bound in onListening(bound) }
    }

    /// Serves on every listener until SIGTERM or SIGINT; the collection runs once for all.
    public static func run(_ app: DashboardApp, listeners: [Listener],
                           onListening: @escaping @Sendable (Listener, Int) -> Void) async throws {
        let collection = Task { await app.runCollection() }
        defer { collection.cancel() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for listener in listeners {
                let address: BindAddress, port: Int, audience: DashboardApp.Audience?
                switch listener {
                case .tcp(let h, let p): address = .hostname(h, port: p); port = p; audience = nil
                case .unixSocket(let path, let a): address = .unixDomainSocket(path: path); port = 0; audience = a
                }
                let server = Application(
                    router: router(app, audience: audience),
                    server: .http1(configuration: .init(idleTimeout: idleTimeout)),
                    configuration: .init(address: address, serverName: "gpucluster-dashboard",
                                         availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
                    onServerRunning: { channel in onListening(listener, channel.localAddress?.port ?? port) })
                group.addTask { try await server.runService(gracefulShutdownSignals: [.sigterm, .sigint]) }
            }
            // One listener failing (its address taken) ends the dashboard: no half service.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Marks each request of a listener with that listener's audience.
    struct FixedAudience: RouterMiddleware {
        let audience: DashboardApp.Audience
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            var context = context
            context.fixedAudience = audience
            return try await next(request, context)
        }
    }

    static let favicon = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect x=\"1\" y=\"1\" width=\"6\" height=\"6\" fill=\"#2e9d4f\"/><rect x=\"9\" y=\"1\" width=\"6\" height=\"6\" fill=\"#2f6fb3\"/><rect x=\"1\" y=\"9\" width=\"6\" height=\"6\" fill=\"#2f6fb3\"/><rect x=\"9\" y=\"9\" width=\"6\" height=\"6\" fill=\"#9b4dca\"/></svg>"

    static func name(_ ctx: Context) -> String? {
        guard let raw = ctx.parameters.get("name"), let n = raw.removingPercentEncoding,
              !n.isEmpty, n.utf8.count <= maxNameLength else { return nil }
        return n
    }

    static func parseRange(_ req: Request) -> HistoryStore.Range? {
        guard let r = req.uri.queryParameters.get("range") else { return .day }
        return HistoryStore.Range(rawValue: r)
    }

    static func html(_ app: DashboardApp, _ view: DashboardApp.View, range: HistoryStore.Range = .day,
                     _ audience: DashboardApp.Audience) async -> Response {
        let nonce = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        guard let page = await app.page(view, range: range, audience: audience, nonce: nonce) else {
            return error(.notFound, "no such node in this cluster")
        }
        return Response(status: .ok, headers: [
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; script-src 'nonce-\(nonce)'",
            .init("X-Content-Type-Options")!: "nosniff",
            .cacheControl: "no-store",
        ], body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func json<T: Encodable>(_ value: T) -> Response {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        guard let data = try? e.encode(value) else { return error(.internalServerError, "cannot encode") }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badRequest(_ message: String) -> Response { error(.badRequest, message) }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
