import NodeReport

/// Prometheus text exposition format 0.0.4: families with HELP and TYPE, samples with
/// escaped label values. Built once per collection; a scrape only sends the bytes.
public struct MetricSet: Sendable {
    public typealias Kind = MetricFamily.Kind

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

    /// A family of the agent's contract (`Metric`), declared even when it has no samples.
    public mutating func declare(_ f: MetricFamily) { declare(f.name, f.kind, f.help) }

    public mutating func add(_ f: MetricFamily, _ labels: [(String, String)] = [], _ value: Double) {
        add(f.name, f.kind, f.help, labels, value)
    }

    public var names: [String] { families.map(\.name) }

    /// Written as UTF-8 bytes: appending small Strings was a fifth of a collection cycle.
    public func render() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 160 + $1.samples.count * 96 })
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        for f in families {
            put("# HELP "); put(f.name); out.append(0x20); put(Self.escapeHelp(f.help))
            put("\n# TYPE "); put(f.name); out.append(0x20); put(f.kind.rawValue); out.append(0x0A)
            for s in f.samples {
                put(f.name)
                if !s.labels.isEmpty {
                    out.append(0x7B)   // {
                    for (i, (k, v)) in s.labels.enumerated() {
                        if i > 0 { out.append(0x2C) }
                        put(k); out.append(0x3D); out.append(0x22)
                        Self.appendEscapedLabel(v, to: &out)
                        out.append(0x22)
                    }
                    out.append(0x7D)   // }
                }
                out.append(0x20); put(Self.format(s.value)); out.append(0x0A)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Label value escaping (`\\`, `\"`, `\n`) on bytes; multi-byte UTF-8 passes through.
    static func appendEscapedLabel(_ v: String, to out: inout [UInt8]) {
        for b in v.utf8 {
            switch b {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            default: out.append(b)
            }
        }
    }

    static func escapeHelp(_ v: String) -> String {
        v.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
