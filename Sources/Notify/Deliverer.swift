import Foundation
import Synchronization

/// Sends the outbox: per channel the oldest queued message first (order of receipt), at most
/// one message per `minInterval` per channel, retrying with exponential backoff (5xx,
/// timeouts, refused connections, any other answer) or after the service's Retry-After (429),
/// and giving up after `deadLetterAfter` seconds: the message goes to the dead-letter list,
/// and a copy to the fallback channel when there is one.
public final class Deliverer: Sendable {
    public struct Policy: Sendable {
        public var minInterval: Double = 1
        public var deadLetterAfter: Double = 3600
        public var firstRetry: Double = 2
        public var maxRetry: Double = 300
        public init() {}
    }

    let outbox: Outbox
    let channels: [String: ChatChannel]
    let fallback: String?
    let sender: ChatSender
    let policy: Policy
    let lastSent = LockedDictionary()

    public init(outbox: Outbox, channels: [ChatChannel], fallback: String?, sender: ChatSender = ChatSender(), policy: Policy = Policy()) {
        self.outbox = outbox
        self.channels = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.fallback = fallback
        self.sender = sender
        self.policy = policy
    }

    /// One pass: sends each channel's head if it is due. Returns how many were attempted. All
    /// times are `now` (the pass's start), so a pass is a pure step for the tests.
    @discardableResult
    public func pass(now: Double = Date().timeIntervalSince1970) async throws -> Int {
        var attempted = 0
        for m in try outbox.heads() where m.nextAt <= now {
            if let last = lastSent[m.channel], now - last < policy.minInterval { continue }
            guard let channel = channels[m.channel] else {
                try outbox.markDead(m.id, error: "no channel named \(m.channel) is configured", fallback: fallback, now: now)
                continue
            }
            var thread: String?
            if let t = m.threadOf { thread = try outbox.message(t)?.chatTS }
            attempted += 1
            lastSent[m.channel] = now
            switch await sender.send(m.text, threadTS: thread, to: channel) {
            case .delivered(let ts):
                try outbox.markSent(m.id, chatTS: ts, now: now)
            case .retryAfter(let seconds, let why):
                try fail(m, why, retryAt: now + seconds, now: now)
            case .failed(let why):
                let backoff = min(policy.maxRetry, policy.firstRetry * pow(2, Double(min(m.attempts, 16))))
                try fail(m, why, retryAt: now + backoff, now: now)
            }
        }
        return attempted
    }

    /// A failed attempt: retried (the last try falls on the deadline, not past it), or, once the
    /// message is `deadLetterAfter` old, given up.
    func fail(_ m: Outbox.Message, _ why: String, retryAt: Double, now: Double) throws {
        let deadline = m.createdAt + policy.deadLetterAfter
        if now >= deadline {
            try outbox.markDead(m.id, error: why, fallback: fallback, now: now)
        } else {
            try outbox.markFailed(m.id, error: why, retryAt: min(retryAt, deadline))
        }
    }

    /// Passes until the task is cancelled, at most every `tick` seconds.
    public func run(tick: Double = 0.2) async {
        while !Task.isCancelled {
            _ = try? await pass()
            try? await Task.sleep(for: .milliseconds(Int(tick * 1000)))
        }
    }
}

/// Channel → last send time, shared by passes.
final class LockedDictionary: Sendable {
    private let values = Mutex<[String: Double]>([:])
    subscript(key: String) -> Double? {
        get { values.withLock { $0[key] } }
        set { values.withLock { $0[key] = newValue } }
    }
}
