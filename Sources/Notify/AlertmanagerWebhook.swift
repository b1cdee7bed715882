import Foundation

/// Alertmanager's webhook payload, version "4" (what `webhook_configs` POSTs). Hostile until
/// checked: the body is size-limited before it is decoded, and `validated` bounds every
/// list and string, so nothing downstream sees more than a message can carry.
public struct AlertmanagerWebhook: Codable, Sendable, Equatable {
    public struct Alert: Codable, Sendable, Equatable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: String
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?

        public init(status: String, labels: [String: String], annotations: [String: String] = [:], startsAt: String,
                    endsAt: String? = nil, generatorURL: String? = nil, fingerprint: String? = nil) {
            self.status = status; self.labels = labels; self.annotations = annotations; self.startsAt = startsAt
            self.endsAt = endsAt; self.generatorURL = generatorURL; self.fingerprint = fingerprint
        }

        /// Which alert this is across re-sends: Alertmanager's fingerprint, else its labels.
        public var identity: String {
            fingerprint ?? labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
    }

    public var version: String
    public var groupKey: String
    public var status: String
    public var receiver: String
    public var groupLabels: [String: String]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var externalURL: String?
    public var truncatedAlerts: Int?
    public var alerts: [Alert]

    public init(groupKey: String, status: String, receiver: String = "gpucluster", groupLabels: [String: String] = [:],
                commonLabels: [String: String] = [:], alerts: [Alert]) {
        version = "4"; self.groupKey = groupKey; self.status = status; self.receiver = receiver
        self.groupLabels = groupLabels; self.commonLabels = commonLabels; commonAnnotations = [:]
        externalURL = nil; truncatedAlerts = 0; self.alerts = alerts
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Bodies larger than this are refused before decoding (Alertmanager's groups of a
    /// cluster's alerts stay far below).
    public static let maxBodyBytes = 1 << 20
    static let maxAlerts = 1000
    static let maxString = 4096
    static let maxLabels = 64

    /// Decodes and checks a body: version 4, a known status, bounded alerts, labels and strings.
    public static func decode(_ body: Data) throws(Invalid) -> AlertmanagerWebhook {
        guard body.count <= maxBodyBytes else { throw Invalid(description: "body larger than \(maxBodyBytes) bytes") }
        let w: AlertmanagerWebhook
        do { w = try JSONDecoder().decode(AlertmanagerWebhook.self, from: body) } catch {
            throw Invalid(description: "not an Alertmanager webhook payload")
        }
        try w.validate()
        return w
    }

    func validate() throws(Invalid) {
        guard version == "4" else { throw Invalid(description: "unsupported payload version \(version.prefix(16))") }
        guard ["firing", "resolved"].contains(status) else { throw Invalid(description: "unknown status") }
        guard !alerts.isEmpty, alerts.count <= Self.maxAlerts else { throw Invalid(description: "between 1 and \(Self.maxAlerts) alerts") }
        guard !groupKey.isEmpty, groupKey.utf8.count <= Self.maxString else { throw Invalid(description: "bad groupKey") }
        for a in alerts {
            guard ["firing", "resolved"].contains(a.status) else { throw Invalid(description: "unknown alert status") }
            for map in [a.labels, a.annotations] {
                guard map.count <= Self.maxLabels, map.allSatisfy({ $0.key.utf8.count <= 256 && $0.value.utf8.count <= Self.maxString })
                else { throw Invalid(description: "alert labels or annotations too large") }
            }
            guard a.startsAt.utf8.count <= 64, (a.endsAt ?? "").utf8.count <= 64, (a.fingerprint ?? "").utf8.count <= 64,
                  (a.generatorURL ?? "").utf8.count <= Self.maxString else { throw Invalid(description: "alert fields too large") }
        }
    }
}
