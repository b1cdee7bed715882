import HostSystem

/// A host taken out of service on purpose: `gpucluster upgrade` writes this state file before it
/// touches the host and removes it once the host passed its checks. The agent reports it, and
/// the dashboard keeps showing the host "upgrading" (not down) while it reboots.
///
/// The file holds `key value` lines of a fixed vocabulary (no free text, so nothing in it needs
/// escaping where it is shown); anything unexpected is dropped, never trusted.
public struct Maintenance: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case upgrade
        /// A kind this build does not know (a newer agent's): shown as maintenance, never trusted further.
        case other

        public init(from decoder: any Decoder) throws {
            self = Kind(rawValue: try decoder.singleValueContainer().decode(String.self)) ?? .other
        }
    }
    public var kind: Kind
    /// Unix seconds when the maintenance began.
    public var since: Double
    /// For an upgrade: Debian's major versions, from and to.
    public var fromRelease: Int?
    public var toRelease: Int?

    public init(kind: Kind, since: Double, fromRelease: Int? = nil, toRelease: Int? = nil) {
        self.kind = kind; self.since = since; self.fromRelease = fromRelease; self.toRelease = toRelease
    }

    public static let maxFileBytes = 1024
    public static let defaultPath = "/var/lib/gpucluster/maintenance.state"

    public static func read(path: String) -> Maintenance? {
        guard case .success(let data) = SmallFile.read(path, max: maxFileBytes) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// nil unless the text is a version 1 state file with a kind and a start time.
    public static func parse(_ text: String) -> Maintenance? {
        var version: Int?, kind: Kind?, since: Double?, from: Int?, to: Int?
        for (key, value) in StateFileLines.pairs(text, maxLines: 16) {
            switch key {
            case "version": version = StateFileLines.number(value, maxDigits: 3)
            case "kind": kind = Kind(rawValue: String(value)) ?? .other
            case "since": since = StateFileLines.number(value, maxDigits: 12).flatMap { $0 > 0 ? Double($0) : nil }
            case "from": from = StateFileLines.number(value, maxDigits: 3)
            case "to": to = StateFileLines.number(value, maxDigits: 3)
            default: continue
            }
        }
        guard version == 1, let kind, let since else { return nil }
        return Maintenance(kind: kind, since: since, fromRelease: from, toRelease: to)
    }

    /// The file `parse` reads (what the upgrade role writes, in the same words).
    public var fileText: String {
        let start = since.isFinite && since > 0 && since < 1e12 ? Int(since) : 0
        var t = "version 1\nkind \(kind.rawValue)\nsince \(start)\n"
        if let fromRelease { t += "from \(fromRelease)\n" }
        if let toRelease { t += "to \(toRelease)\n" }
        return t
    }

    /// "upgrading Debian 12 → 13" for people.
    public var summary: String {
        switch kind {
        case .upgrade:
            if let f = fromRelease, let t = toRelease { return "upgrading Debian \(f) → \(t)" }
            return "upgrading"
        case .other: return "in maintenance"
        }
    }
}
