import Foundation
@testable import Notify
import Testing
import WebClient

/// What a chat service answers is hostile input too: notify reads only the status, Retry-After
/// and the API's `ok`/`ts`/`error`, each bounded, and an id it keeps is one it can send back safely.
@Suite("Chat answers, hostile")
struct ChatAnswerTests {
    struct Answer: HTTPFetcher {
        let status: Int
        let body: String
        var headers: [(String, String)] = []
        func send(_ request: WebRequest, timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse {
            #expect(maxBytes <= 16 << 10, "every answer is bounded")
            return WebResponse(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, body: Data(body.utf8))
        }
    }

    static let api = ChatChannel(name: "primary", kind: .api, url: "http://127.0.0.1:1/api/chat.postMessage", channel: "#gpu")

    static func outcome(_ status: Int, _ body: String, headers: [(String, String)] = []) async -> SendOutcome {
        await ChatSender(fetcher: Answer(status: status, body: body, headers: headers)).send("hello", threadTS: nil, to: api)
    }

    @Test("ids that are not short tokens are dropped, good ones kept")
    func messageIDs() async {
        #expect(await Self.outcome(200, #"{"ok": true, "ts": "1700000000.123456"}"#) == .delivered(ts: "1700000000.123456"))
        for bad in [#""a\nb""#, #""1700\u0000x""#, #""<script>""#, #""""#, "17", "null", "[\"1\"]", "\"" + String(repeating: "9", count: 65) + "\"",
                    #""ts\" , \"thread""#, #""é1""#] {
            #expect(await Self.outcome(200, #"{"ok": true, "ts": \#(bad)}"#) == .delivered(ts: nil), "ts \(bad)")
        }
    }

    @Test("not JSON, a JSON array, ok as a string, a long error: a failure with a short reason, never delivered")
    func badBodies() async {
        for body in ["", "<html>oops</html>", "[1,2]", #"{"ok": "true", "ts": "1"}"#, "{\"ok\": tru"] {
            guard case .failed(let why) = await Self.outcome(200, body) else { Issue.record("\(body) counted as delivered"); continue }
            #expect(why.count <= 100)
        }
        let long = String(repeating: "x", count: 5000)
        guard case .failed(let why) = await Self.outcome(200, #"{"ok": false, "error": "\#(long)"}"#) else { Issue.record("not ok delivered"); return }
        #expect(why.count == 100)
        #expect(await Self.outcome(200, #"{"ok": false, "error": "ratelimited"}"#) == .retryAfter(30, "ratelimited"))
    }

    @Test("Retry-After: absent, negative, huge, not a number, NaN, a date: clamped to 1…3600, 30 when unreadable")
    func retryAfter() async {
        let cases: [(String?, Double)] = [(nil, 30), ("-5", 1), ("0", 1), ("7", 7), ("1e308", 3600), ("99999999999999999999", 3600),
                                           ("nan", 30), ("inf", 30), ("Wed, 21 Oct 2015 07:28:00 GMT", 30), (" 12 ", 12), ("12abc", 30)]
        for (header, want) in cases {
            #expect(ChatSender.retryAfter(header) == want, "Retry-After \(String(describing: header))")
        }
        #expect(await Self.outcome(429, "slow down", headers: [("Retry-After", "5")]) == .retryAfter(5, "HTTP 429"))
        guard case .failed = await Self.outcome(503, String(repeating: "<", count: 10000)) else { Issue.record("503 delivered"); return }
    }
}
