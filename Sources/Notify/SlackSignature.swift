import Crypto
import Foundation

/// Slack's request signing: `X-Slack-Signature: v0=HEX(HMAC-SHA256(secret, "v0:TS:BODY"))`
/// with `X-Slack-Request-Timestamp: TS`. A request is accepted only when the timestamp is
/// within five minutes of now (no replays of old requests) and the signature matches,
/// compared in constant time.
public enum SlackSignature {
    public static let maxSkew: Double = 300

    public enum Verdict: Equatable, Sendable { case valid, missing, stale, mismatch }

    public static func verify(body: Data, timestamp: String?, signature: String?, secret: Data, now: Double) -> Verdict {
        guard let timestamp, let signature, timestamp.utf8.count <= 20, signature.utf8.count <= 100 else { return .missing }
        guard let ts = Double(timestamp), ts.isFinite, abs(now - ts) <= maxSkew else { return .stale }
        let expected = sign(body: body, timestamp: timestamp, secret: secret)
        return constantTimeEqual(Array(expected.utf8), Array(signature.utf8)) ? .valid : .mismatch
    }

    public static func sign(body: Data, timestamp: String, secret: Data) -> String {
        var message = Data("v0:\(timestamp):".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "v0=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
