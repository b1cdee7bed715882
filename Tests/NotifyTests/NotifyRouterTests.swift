import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
import Notify
import Testing
import WebClient

/// notify's HTTP side in process: every bad request is a clear 4xx and stores nothing;
/// slash commands only with a fresh, valid signature.
@Suite("Notify router, in process")
struct NotifyRouterTests {
    static let secret = Data("8f742231b10e8888abcd99yyyzzz85a5".utf8)

    /// The dashboard's answers for `/gpus`.
    struct FakeDashboard: HTTPFetcher {
        func send(_ request: WebRequest, timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse {
            if request.url.contains("/api/v1/free") {
                return WebResponse(status: 200, body: Data(#"{"freeGPUs":5,"min":4,"nodes":[{"node":"gpu<01>","gpus":[{"index":0},{"index":1},{"index":2},{"index":3}]}]}"#.utf8))
            }
            return WebResponse(status: 200, body: Data(#"[{"user":"alice","gpus":["gpu01:0","gpu01:1"],"idleHeld":["gpu01:1"],"nodes":["gpu01"],"jobs":[],"memoryBytes":0}]"#.utf8))
        }
    }

    static func setup(now: Double = 1_000_000) throws -> NotifyServer.Setup {
        var s = NotifyServer.Setup(outbox: try OutboxTests.outbox(), primary: "primary", signingSecret: secret,
                                   slash: SlashCommand(dashboardURL: "http://127.0.0.1:8080", fetcher: FakeDashboard()))
        s.now = { now }
        return s
    }

    static func hookBody() throws -> Data {
        try JSONEncoder().encode(OutboxTests.hook([OutboxTests.alert("gpu01")]))
    }

    @Test("malformed JSON, another version, a bad status, no alerts, an oversized body: 4xx, nothing stored")
    func badWebhooks() async throws {
        let s = try Self.setup()
        var wrongVersion = OutboxTests.hook([OutboxTests.alert("gpu01")])
        wrongVersion.version = "3"
        var badStatus = OutboxTests.hook([OutboxTests.alert("gpu01")])
        badStatus.status = "exploded"
        let noAlerts = OutboxTests.hook([])
        var hugeLabel = OutboxTests.hook([OutboxTests.alert("gpu01")])
        hugeLabel.alerts[0].labels["x"] = String(repeating: "a", count: 10_000)
        let bodies: [(Data, HTTPResponse.Status)] = [
            (Data("{not json".utf8), .badRequest), (Data("[]".utf8), .badRequest),
            (try JSONEncoder().encode(wrongVersion), .badRequest), (try JSONEncoder().encode(badStatus), .badRequest),
            (try JSONEncoder().encode(noAlerts), .badRequest), (try JSONEncoder().encode(hugeLabel), .badRequest),
            (Data(repeating: 0x20, count: AlertmanagerWebhook.maxBodyBytes + 1), .contentTooLarge),
        ]
        let app = Application(router: NotifyServer.router(s))
        try await app.test(.router) { client in
            for (body, status) in bodies {
                try await client.execute(uri: "/alertmanager", method: .post, body: ByteBuffer(bytes: body)) { r in
                    #expect(r.status == status, "\(body.prefix(40)): \(r.status)")
                    #expect(String(buffer: r.body).contains("\"error\""))
                }
            }
            try await client.execute(uri: "/api/v1/send", method: .post, body: ByteBuffer(string: #"{"severity":"meh","text":"x"}"#)) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/send", method: .post, body: ByteBuffer(bytes: Data(repeating: 0x41, count: 20_000))) { r in
                #expect(r.status == .contentTooLarge)
            }
        }
        let c = try s.outbox.counts()
        #expect(c.received == 0 && c.queued == 0, "nothing stored: \(c)")
        // And a good one is stored, once.
        try await app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/alertmanager", method: .post, body: ByteBuffer(bytes: try Self.hookBody())) { r in
                    #expect(r.status == .ok)
                }
            }
        }
        #expect(try s.outbox.counts().queued == 1)
    }

    static func slash(_ client: any TestClientProtocol, body: String, timestamp: String?, signature: String?) async throws -> (HTTPResponse.Status, String) {
        var headers = HTTPFields()
        if let timestamp { headers[HTTPField.Name("X-Slack-Request-Timestamp")!] = timestamp }
        if let signature { headers[HTTPField.Name("X-Slack-Signature")!] = signature }
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: "/slack/command", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            (r.status, String(buffer: r.body))
        }
    }

    @Test("slash commands: unsigned, wrongly signed, stale or replayed requests are refused; a signed /gpus 4 is answered")
    func slashCommands() async throws {
        let now = 1_000_000.0
        let s = try Self.setup(now: now)
        let body = "command=%2Fgpus&text=4&user_name=alice"
        let ts = String(Int(now))
        let good = SlackSignature.sign(body: Data(body.utf8), timestamp: ts, secret: Self.secret)
        let app = Application(router: NotifyServer.router(s))
        try await app.test(.router) { client in
            #expect(try await Self.slash(client, body: body, timestamp: nil, signature: nil).0 == .unauthorized)
            #expect(try await Self.slash(client, body: body, timestamp: ts, signature: "v0=" + String(repeating: "0", count: 64)).0 == .unauthorized)
            // The right signature over another body (a tampered request).
            #expect(try await Self.slash(client, body: body + "x", timestamp: ts, signature: good).0 == .unauthorized)
            // An old request replayed: signed correctly for its own time, six minutes ago.
            let old = String(Int(now - 360))
            let oldSig = SlackSignature.sign(body: Data(body.utf8), timestamp: old, secret: Self.secret)
            let stale = try await Self.slash(client, body: body, timestamp: old, signature: oldSig)
            #expect(stale.0 == .unauthorized && stale.1.contains("stale"))
            let ok = try await Self.slash(client, body: body, timestamp: ts, signature: good)
            #expect(ok.0 == .ok && ok.1.contains("ephemeral") && ok.1.contains("5 GPUs free") && ok.1.contains("gpu&lt;01&gt;: 0,1,2,3"), "\(ok.1)")
            let meBody = "command=%2Fgpus&text=me&user_name=alice"
            let me = try await Self.slash(client, body: meBody, timestamp: ts, signature: SlackSignature.sign(body: Data(meBody.utf8), timestamp: ts, secret: Self.secret))
            #expect(me.1.contains("You hold 2 GPUs") && me.1.contains("idle: gpu01:1"), "\(me.1)")
        }
        #expect(try s.outbox.counts().received == 0, "slash commands store nothing")
    }
}
