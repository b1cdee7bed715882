import Foundation
import WebClient

/// Where messages go: a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat:
/// `{"text": …}`), or a chat API with a bot token (`chat.postMessage`), which answers with
/// the message's `ts` so that a resolution can reply in its firing's thread.
public struct ChatChannel: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case webhook, api }
    public var name: String
    public var kind: Kind
    public var url: String
    /// With `api`: the channel to post in, and the bot token (read from a file, never in the spec).
    public var channel: String?
    public var token: String?

    public init(name: String, kind: Kind, url: String, channel: String? = nil, token: String? = nil) {
        self.name = name; self.kind = kind; self.url = url; self.channel = channel; self.token = token
    }
}

public enum SendOutcome: Sendable, Equatable {
    /// Delivered; the chat's id for it when the API gives one.
    case delivered(ts: String?)
    /// The service asked us to wait this many seconds (HTTP 429, Retry-After).
    case retryAfter(Double, String)
    case failed(String)
}

/// Posts one message. Every answer is bounded (16 KiB) and only the status, Retry-After and,
/// from the API, `ok`/`ts`/`error` are read.
public struct ChatSender: Sendable {
    let fetcher: any HTTPFetcher
    let timeout: Duration

    public init(fetcher: any HTTPFetcher = AsyncHTTPFetcher(), timeout: Duration = .seconds(10)) {
        self.fetcher = fetcher; self.timeout = timeout
    }

    public func send(_ text: String, threadTS: String?, to c: ChatChannel) async -> SendOutcome {
        var body: [String: String] = ["text": text]
        var headers: [(name: String, value: String)] = []
        if c.kind == .api {
            if let ch = c.channel { body["channel"] = ch }
            if let threadTS { body["thread_ts"] = threadTS }
            if let t = c.token { headers.append(("Authorization", "Bearer \(t)")) }
        }
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        let r: WebResponse
        do {
            r = try await fetcher.post(c.url, body: data, contentType: "application/json; charset=utf-8", headers: headers,
                                       timeout: timeout, maxBytes: 16 << 10)
        } catch {
            return .failed("\(error)")
        }
        if r.status == 429 { return .retryAfter(Self.retryAfter(r.header("Retry-After")), "HTTP 429") }
        guard (200..<300).contains(r.status) else { return .failed("HTTP \(r.status)") }
        guard c.kind == .api else { return .delivered(ts: nil) }
        // The API answers 200 with {"ok": false, "error": …} for most failures.
        guard let obj = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] else { return .failed("the API's answer is not JSON") }
        if obj["ok"] as? Bool == true { return .delivered(ts: Self.messageID(obj["ts"])) }
        let error = (obj["error"] as? String).map { String($0.prefix(100)) } ?? "not ok"
        return error == "ratelimited" ? .retryAfter(30, error) : .failed(error)
    }

    /// A message id worth keeping: it goes back to the chat as `thread_ts` and is shown by
    /// `notify status`, so only a short token of `[0-9A-Za-z._-]` (Slack's look like
    /// "1700000000.123456"); anything else is dropped and the resolution becomes a new message.
    static func messageID(_ value: Any?) -> String? {
        guard let ts = value as? String, (1...64).contains(ts.utf8.count),
              ts.unicodeScalars.allSatisfy({ ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) })
        else { return nil }
        return ts
    }

    /// Seconds from a Retry-After header (delta-seconds), 1…3600; 30 when absent or unreadable.
    static func retryAfter(_ header: String?) -> Double {
        guard let h = header?.trimmingCharacters(in: .whitespaces), let s = Double(h), s.isFinite else { return 30 }
        return min(3600, max(1, s))
    }
}
