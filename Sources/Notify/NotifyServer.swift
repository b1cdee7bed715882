import Foundation
import Hummingbird
import HummingbirdCore
import HTTPTypes
import NIOCore

/// `notify serve`'s HTTP side, on loopback: `POST /alertmanager` (the webhook; 200 only once
/// stored), `POST /api/v1/send` (`notify send`, `notify smartd`), `POST /slack/command` (signed
/// slash commands), `GET /metrics`, `GET /api/v1/status`, `GET /healthz`.
public enum NotifyServer {
    public struct Setup: Sendable {
        public var outbox: Outbox
        public var primary: String
        public var signingSecret: Data?
        public var slash: SlashCommand?
        public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        public init(outbox: Outbox, primary: String, signingSecret: Data? = nil, slash: SlashCommand? = nil) {
            self.outbox = outbox; self.primary = primary; self.signingSecret = signingSecret; self.slash = slash
        }
    }

    static let maxSendBytes = 16 << 10
    static let timestampHeader = HTTPField.Name("X-Slack-Request-Timestamp")!
    static let signatureHeader = HTTPField.Name("X-Slack-Signature")!

    public static func router(_ s: Setup) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/alertmanager") { req, _ -> Response in
            guard let body = await body(req, max: AlertmanagerWebhook.maxBodyBytes) else {
                return error(.contentTooLarge, "body larger than \(AlertmanagerWebhook.maxBodyBytes) bytes")
            }
            let hook: AlertmanagerWebhook
            do { hook = try AlertmanagerWebhook.decode(body) } catch { return self.error(.badRequest, "\(error)") }
            do {
                let a = try s.outbox.accept(hook, channel: s.primary, now: s.now())
                return json(["messages": a.messages, "duplicates": a.duplicates])
            } catch {
                // Alertmanager retries a 5xx: nothing is lost while the disk is full or locked.
                return self.error(.serviceUnavailable, "not stored: \(error)")
            }
        }
        router.post("/api/v1/send") { req, _ -> Response in
            guard let body = await body(req, max: maxSendBytes) else { return error(.contentTooLarge, "at most \(maxSendBytes) bytes") }
            guard let m = try? JSONDecoder().decode(SendRequest.self, from: body), let text = m.validated else {
                return error(.badRequest, "expected {\"severity\": info|warning|critical, \"text\": 1…4000 characters}")
            }
            do {
                let id = try s.outbox.enqueue(text: text, channel: s.primary, kind: m.severity, now: s.now())
                return json(["id": Int(id)])
            } catch {
                return self.error(.serviceUnavailable, "not stored: \(error)")
            }
        }
        router.post("/slack/command") { req, _ -> Response in
            guard let secret = s.signingSecret, let slash = s.slash else { return error(.notFound, "slash commands are not configured") }
            guard let body = await body(req, max: 16 << 10) else { return error(.contentTooLarge, "body too large") }
            switch SlackSignature.verify(body: body, timestamp: req.headers[timestampHeader], signature: req.headers[signatureHeader],
                                         secret: secret, now: s.now()) {
            case .valid: break
            case .missing: return error(.unauthorized, "unsigned request")
            case .stale: return error(.unauthorized, "stale or replayed request")
            case .mismatch: return error(.unauthorized, "bad signature")
            }
            let form = SlashCommand.form(body)
            let text = await slash.answer(text: form["text"] ?? "", user: form["user_name"] ?? "")
            return json(["response_type": "ephemeral", "text": text])
        }
        router.get("/metrics") { _, _ -> Response in
            guard let c = try? s.outbox.counts() else { return error(.serviceUnavailable, "outbox unreadable") }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics(c, now: s.now()))))
        }
        router.get("/api/v1/status") { _, _ -> Response in
            guard let c = try? s.outbox.counts(), let dead = try? s.outbox.messages(state: .dead, limit: 50) else {
                return error(.serviceUnavailable, "outbox unreadable")
            }
            return json(Status(counts: c, dead: dead))
        }
        router.get("/healthz") { _, _ -> Response in
            let ok = (try? s.outbox.counts()) != nil
            return Response(status: ok ? .ok : .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: ok ? "ok\n" : "outbox unreadable\n")))
        }
        return router
    }

    public struct Status: Codable, Sendable {
        public var counts: Outbox.Counts
        public var dead: [Outbox.Message]
    }

    struct SendRequest: Decodable {
        var severity: String
        var text: String
        var validated: String? {
            guard ["info", "warning", "critical"].contains(severity), (1...4000).contains(text.count) else { return nil }
            return "[\(severity)] " + ChatText.escape(text)
        }
    }

    /// The exposition of the outbox's counters: delivered vs failed, queued, the oldest's age.
    static func metrics(_ c: Outbox.Counts, now: Double) -> String {
        var out = ""
        func family(_ name: String, _ kind: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(kind)\n\(name) \(value == value.rounded() ? String(Int(value)) : String(value))\n"
        }
        family("gpucluster_notify_received_total", "counter", "Notifications accepted (webhook payloads and sends).", Double(c.received))
        family("gpucluster_notify_duplicates_total", "counter", "Alerts re-sent by Alertmanager and collapsed.", Double(c.duplicates))
        family("gpucluster_notify_delivered_total", "counter", "Messages the chat service accepted.", Double(c.delivered))
        family("gpucluster_notify_failed_attempts_total", "counter", "Delivery attempts that failed (retried later).", Double(c.failedAttempts))
        family("gpucluster_notify_dead_total", "counter", "Messages given up on (the dead-letter list).", Double(c.dead))
        family("gpucluster_notify_queued", "gauge", "Messages waiting to be delivered.", Double(c.queued))
        family("gpucluster_notify_oldest_queued_age_seconds", "gauge", "Age of the oldest waiting message (0 when none).",
               c.oldestQueuedAt.map { max(0, now - $0) } ?? 0)
        return out
    }

    /// The request's body, or nil when it is larger than `max`.
    static func body(_ req: Request, max: Int) async -> Data? {
        guard let buffer = try? await req.body.collect(upTo: max) else { return nil }
        return Data(buffer.readableBytesView)
    }

    static func json<T: Encodable>(_ value: T) -> Response {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = (try? e.encode(value)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = (try? JSONEncoder().encode(["error": message])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Serves on `host:port` and delivers the outbox until SIGTERM/SIGINT.
    public static func run(_ s: Setup, deliverer: Deliverer, host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        let delivery = Task { await deliverer.run() }
        defer { delivery.cancel() }
        let app = Application(
            router: router(s),
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: "gpucluster-notify",
                                 availableConnectionsDelegate: MaximumAvailableConnections(256)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) })
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
