import Foundation
import Notify
import Synchronization
import WebClient
import Testing

/// The outbox alone: what a webhook payload adds, duplicates collapsed, resolutions threaded,
/// big groups split, markup escaped, and delivery order and retries with a fake chat.
@Suite("Notify outbox")
struct OutboxTests {
    static func outbox() throws -> Outbox {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try Outbox(path: dir.appendingPathComponent("outbox.sqlite").path)
    }

    static func alert(_ node: String, _ status: String = "firing", name: String = "AgentDown", starts: String = "2026-12-01T10:00:00Z") -> AlertmanagerWebhook.Alert {
        .init(status: status, labels: ["alertname": name, "node": node, "severity": "critical"],
              annotations: ["summary": "The gpucluster agent on \(node) does not answer"], startsAt: starts, fingerprint: "fp-\(name)-\(node)")
    }

    static func hook(_ alerts: [AlertmanagerWebhook.Alert], status: String = "firing", group: String = "{}:{alertname=\"AgentDown\"}") -> AlertmanagerWebhook {
        AlertmanagerWebhook(groupKey: group, status: status, alerts: alerts)
    }

    @Test("a firing alert is one message; Alertmanager's re-sends add none; its resolution threads under it, once")
    func exactlyOncePerAlert() throws {
        let o = try Self.outbox()
        #expect(try o.accept(Self.hook([Self.alert("gpu01")]), channel: "primary", now: 1) == .init(messages: 1, duplicates: 0))
        #expect(try o.accept(Self.hook([Self.alert("gpu01")]), channel: "primary", now: 2) == .init(messages: 0, duplicates: 1))
        // A second alert joins the group: only it is announced.
        #expect(try o.accept(Self.hook([Self.alert("gpu01"), Self.alert("gpu02")]), channel: "primary", now: 3) == .init(messages: 1, duplicates: 1))
        let resolved = Self.hook([Self.alert("gpu01", "resolved")], status: "resolved")
        #expect(try o.accept(resolved, channel: "primary", now: 4) == .init(messages: 1, duplicates: 0))
        #expect(try o.accept(resolved, channel: "primary", now: 5) == .init(messages: 0, duplicates: 1))
        let all = try o.heads()
        #expect(all.count == 1 && all[0].kind == "firing" && all[0].text.contains("gpu01"))
        let c = try o.counts()
        #expect(c.queued == 3 && c.received == 5 && c.duplicates == 3)
        // The resolution replies in the thread of gpu01's firing message (message 1).
        let third = try #require(try o.message(3))
        #expect(third.kind == "resolved" && third.threadOf == 1 && third.text.hasPrefix("RESOLVED"))
        // The same alert firing again later (a new start) is news again.
        #expect(try o.accept(Self.hook([Self.alert("gpu01", starts: "2026-12-01T11:00:00Z")]), channel: "primary", now: 6).messages == 1)
    }

    @Test("25 alerts in one group become numbered parts of at most 10; & < > and control characters are escaped")
    func splitAndEscape() throws {
        let o = try Self.outbox()
        var alerts = (0..<25).map { Self.alert(String(format: "gpu%02d", $0)) }
        alerts[0].annotations["summary"] = "<!channel> & <script>\u{1b}[2J"
        #expect(try o.accept(Self.hook(alerts), channel: "primary", now: 1).messages == 3)
        let texts = try (1...3).map { try #require(try o.message(Int64($0))).text }
        #expect(texts[0].hasPrefix("(1/3)\n") && texts[2].hasPrefix("(3/3)\n"))
        #expect(texts.map { $0.split(separator: "\n").filter { $0.hasPrefix("FIRING") }.count } == [10, 10, 5])
        #expect(texts[0].contains("&lt;!channel&gt; &amp; &lt;script&gt;") && !texts[0].contains("<") && !texts[0].contains("\u{1b}"))
        #expect(texts.allSatisfy { $0.count <= ChatText.maxCharacters })
    }

    @Test("delivery: in order per channel, one per interval, 429 waits for Retry-After, 5xx backs off, then dead letter and fallback")
    func deliveryPolicy() async throws {
        let o = try Self.outbox()
        for n in 1...3 { try o.enqueue(text: "m\(n)", channel: "primary", now: 0) }
        let chat = ScriptedChat(primary: [500, 429, 200, 200], then: 404)
        var policy = Deliverer.Policy()
        policy.minInterval = 1
        policy.firstRetry = 1
        policy.deadLetterAfter = 100
        let d = Deliverer(outbox: o, channels: [ChatChannel(name: "primary", kind: .webhook, url: "http://127.0.0.1:9/primary"),
                                                ChatChannel(name: "spare", kind: .webhook, url: "http://127.0.0.1:9/spare")],
                          fallback: "spare", sender: ChatSender(fetcher: chat), policy: policy)
        #expect(try await d.pass(now: 10) == 1)          // m1: 500, retried after 1 s
        #expect(try await d.pass(now: 10.5) == 0, "m1 waits for its backoff, m2 behind m1")
        #expect(try await d.pass(now: 12) == 1)          // m1: 429, Retry-After 7
        #expect(try await d.pass(now: 15) == 0, "Retry-After is honoured")
        #expect(try await d.pass(now: 19) == 1)          // m1 delivered
        #expect(try await d.pass(now: 19.5) == 0, "one message per second per channel")
        #expect(try await d.pass(now: 20) == 1)          // m2 delivered
        var t = 21.0
        while t < 100 { _ = try await d.pass(now: t); t += 1 }   // m3: 404 on every attempt
        #expect(try o.counts().dead == 0, "not dead before deadLetterAfter")
        _ = try await d.pass(now: 101)                    // m3 dead; a copy queued for the spare channel
        _ = try await d.pass(now: 103)
        #expect(chat.delivered.map(\.url.lastPathComponent) == ["primary", "primary", "spare"])
        #expect(chat.delivered.map(\.text).prefix(2) == ["m1", "m2"], "order of receipt")
        #expect(chat.delivered.last?.text.contains("undeliverable to primary: HTTP 404") == true && chat.delivered.last?.text.hasSuffix("m3") == true)
        let c = try o.counts()
        #expect(c.delivered == 3 && c.dead == 1 && c.queued == 0 && c.failedAttempts >= 4, "\(c)")
        let dead = try o.messages(state: .dead)
        #expect(dead.map(\.text) == ["m3"] && dead[0].lastError == "HTTP 404")
    }
}

/// A chat service answering from a script (per URL path), recording what it accepted.
final class ScriptedChat: HTTPFetcher, Sendable {
    struct Delivery: Sendable { var url: URL; var text: String }
    struct State { var script: [Int]; var delivered: [Delivery] = [] }
    private let state: Mutex<State>
    private let then: Int

    init(primary: [Int], then: Int) { state = Mutex(State(script: primary)); self.then = then }

    var delivered: [Delivery] { state.withLock { $0.delivered } }

    func send(_ request: WebRequest, timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse {
        let url = URL(string: request.url) ?? URL(fileURLWithPath: "/")
        let text = ((try? JSONSerialization.jsonObject(with: request.body ?? Data())) as? [String: String])?["text"] ?? ""
        let then = self.then
        let status = state.withLock { s -> Int in
            var status = 200
            if url.lastPathComponent == "primary" { status = s.script.isEmpty ? then : s.script.removeFirst() }
            if status == 200 { s.delivered.append(Delivery(url: url, text: text)) }
            return status
        }
        return WebResponse(status: status, headers: status == 429 ? [("Retry-After", "7")] : [], body: Data())
    }
}
