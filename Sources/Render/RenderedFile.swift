import Foundation

/// One file of the generated Ansible project, relative to the output folder.
public struct RenderedFile: Sendable, Equatable {
    public var path: String
    public var content: String
    /// Octal mode for the written file ("0644" when nil).
    public var mode: String?

    public init(_ path: String, _ content: String, mode: String? = nil) {
        self.path = path; self.content = content; self.mode = mode
    }
}

/// A tiny YAML writer for the values we emit (maps, lists, strings, numbers, booleans):
/// deterministic, and it quotes every string that YAML could read as something else.
public indirect enum YAMLValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    /// Written as nothing after the colon (inventory host entries).
    case null
    case list([YAMLValue])
    /// Keys keep the order given (the writer never reorders: output must be stable).
    case map([(String, YAMLValue)])

    public static func == (a: YAMLValue, b: YAMLValue) -> Bool { a.text(indent: 0) == b.text(indent: 0) }

    /// Block style for maps and lists of maps; flow style for short scalar lists.
    public func text(indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let pairs):
            if pairs.isEmpty { return pad + "{}\n" }
            var out = ""
            for (k, v) in pairs {
                switch v {
                case .map(let inner) where !inner.isEmpty:
                    out += "\(pad)\(Self.key(k)):\n" + v.text(indent: indent + 2)
                case .null:
                    out += "\(pad)\(Self.key(k)):\n"
                case .list(let items) where !items.isEmpty && (!items.allSatisfy(\.isScalar) || v.inline.count + indent + k.count > 100):
                    out += "\(pad)\(Self.key(k)):\n" + v.text(indent: indent + 2)
                default:
                    out += "\(pad)\(Self.key(k)): \(v.inline)\n"
                }
            }
            return out
        case .list(let items):
            if items.isEmpty || (items.allSatisfy(\.isScalar) && inline.count + indent <= 100) { return pad + inline + "\n" }
            var out = ""
            for item in items {
                let body = item.text(indent: indent + 2)
                out += pad + "- " + body.dropFirst(indent + 2)
            }
            return out
        default:
            return pad + inline + "\n"
        }
    }

    var isScalar: Bool {
        switch self { case .string, .int, .bool, .null: return true; default: return false }
    }

    var inline: String {
        switch self {
        case .string(let s): return Self.scalar(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return ""
        case .list(let items): return "[" + items.map(\.inline).joined(separator: ", ") + "]"
        case .map(let pairs): return "{ " + pairs.map { "\(Self.key($0.0)): \($0.1.inline)" }.joined(separator: ", ") + " }"
        }
    }

    static func key(_ k: String) -> String { scalar(k) }

    /// Plain when unambiguous, else a double-quoted string with escapes.
    static func scalar(_ s: String) -> String {
        let plainOK = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || "_./-".unicodeScalars.contains(c)
        }
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]
        let first = s.unicodeScalars.first.map { ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "." } ?? true
        if plainOK && !first && !reserved.contains(s.lowercased()) { return s }
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if c.value < 0x20 || c.value == 0x7F { out += String(format: "\\x%02X", c.value) } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}
