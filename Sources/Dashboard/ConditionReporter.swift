import Fleet
import Foundation
import Notify
import Synchronization
import WebClient

/// Hands the dashboard's own conditions to `gpucluster notify` in Alertmanager's webhook
/// format (`--notify URL`), every round: notify stores each once, collapses the re-sends and
/// threads the resolutions, exactly as for Prometheus' alerts. A round whose report fails is
/// made good by the next one.
public final class ConditionReporter: Sendable {
    let url: String
    let fetcher: any HTTPFetcher
    private let tracker = Mutex(ConditionTracker())

    public init(notifyURL: String, fetcher: any HTTPFetcher = AsyncHTTPFetcher()) {
        url = (notifyURL.hasSuffix("/") ? String(notifyURL.dropLast()) : notifyURL) + "/alertmanager"
        self.fetcher = fetcher
    }

    /// The payloads for this round (firing, then resolved), without sending them.
    public func payloads(_ s: ClusterSnapshot) -> [AlertmanagerWebhook] {
        let (firing, resolved) = tracker.withLock { $0.update(Condition.of(s), at: s.takenAt) }
        func alert(_ t: ConditionTracker.Tracked, status: String) -> AlertmanagerWebhook.Alert {
            var labels = ["alertname": t.condition.name, "node": t.condition.node, "severity": t.condition.severity, "source": "dashboard"]
            if let g = t.condition.gpu { labels["gpu"] = g }
            return .init(status: status, labels: labels, annotations: ["summary": t.condition.summary], startsAt: Self.iso(t.since),
                         endsAt: t.endedAt.map(Self.iso), fingerprint: String(t.condition.key.prefix(60)))
        }
        var out: [AlertmanagerWebhook] = []
        for chunk in stride(from: 0, to: firing.count, by: 500) {
            out.append(AlertmanagerWebhook(groupKey: "dashboard", status: "firing", receiver: "dashboard",
                                           alerts: firing[chunk..<min(firing.count, chunk + 500)].map { alert($0, status: "firing") }))
        }
        for chunk in stride(from: 0, to: resolved.count, by: 500) {
            out.append(AlertmanagerWebhook(groupKey: "dashboard", status: "resolved", receiver: "dashboard",
                                           alerts: resolved[chunk..<min(resolved.count, chunk + 500)].map { alert($0, status: "resolved") }))
        }
        return out
    }

    public func report(_ s: ClusterSnapshot) async {
        for p in payloads(s) {
            guard let body = try? JSONEncoder().encode(p) else { continue }
            _ = try? await fetcher.post(url, body: body, timeout: .seconds(5), maxBytes: 16 << 10)
        }
    }

    static func iso(_ t: Double) -> String { UTC.format(t, "%Y-%m-%dT%H:%M:%SZ") }
}
