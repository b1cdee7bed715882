/// Prometheus text exposition format 0.0.4: families with HELP and TYPE, samples with
/// escaped label values. Built once per collection; a scrape only sends the bytes.
public struct MetricSet: Sendable {
    public enum Kind: String, Sendable { case gauge, counter }

    struct Family: Sendable {
        var name: String
        var help: String
        var kind: Kind
        var samples: [(labels: [(String, String)], value: Double)] = []
    }

    private(set) var families: [Family] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Declares a family (idempotent) so it appears with HELP/TYPE even without samples.
    public mutating func declare(_ name: String, _ kind: Kind, _ help: String) {
        if index[name] == nil {
            index[name] = families.count
            families.append(Family(name: name, help: help, kind: kind))
        }
    }

    public mutating func add(_ name: String, _ kind: Kind, _ help: String, _ labels: [(String, String)] = [], _ value: Double) {
        declare(name, kind, help)
        if let i = index[name] { families[i].samples.append((labels, value)) }
    }

    public var names: [String] { families.map(\.name) }

    public func render() -> String {
        var out = ""
        out.reserveCapacity(families.count * 200)
        for f in families {
            out += "# HELP \(f.name) \(Self.escapeHelp(f.help))\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            for s in f.samples {
                out += f.name
                if !s.labels.isEmpty {
                    out += "{"
                    for (i, (k, v)) in s.labels.enumerated() {
                        if i > 0 { out += "," }
                        out += k + "=\"" + Self.escapeLabel(v) + "\""
                    }
                    out += "}"
                }
                out += " " + Self.format(s.value) + "\n"
            }
        }
        return out
    }

    static func escapeLabel(_ v: String) -> String {
        guard v.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return v }
        var o = ""
        for c in v {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.append(c)
            }
        }
        return o
    }

    static func escapeHelp(_ v: String) -> String {
        v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

import Foundation
