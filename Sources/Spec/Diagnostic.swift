import HostSystem
/// One problem found in a spec, shown compiler-style:
/// `cluster.yaml:12:7: error: unknown role 'compue'` followed by the source line and a hint.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case error, warning
        public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }
    }
    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    public var hint: String?

    public init(_ severity: Severity, at location: SourceLocation, _ message: String, hint: String? = nil) {
        self.severity = severity
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `LINE:COLUMN: error: message`
    public var description: String { "\(location): \(severity.rawValue): \(message)" }

    /// The full compiler-style report for one file: header, source line with a caret, hint.
    public func formatted(file: String, source: [Substring]? = nil) -> String {
        var out = "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)"
        if let source, location.line >= 1, location.line <= source.count {
            let text = String(source[location.line - 1]).replacingOccurrences(of: "\t", with: " ")
            let shown = text.count > 160 ? String(text.prefix(160)) + "…" : text
            let gutter = String(location.line)
            out += "\n \(gutter) | \(Diagnostic.printable(shown))"
            out += "\n \(String(repeating: " ", count: gutter.count)) | "
                + String(repeating: " ", count: max(0, min(location.column - 1, 160))) + "^"
        }
        if let hint { out += "\n  hint: \(hint)" }
        return out
    }

    /// Control characters from a hostile file must not reach the terminal.
    static func printable(_ s: String) -> String { TerminalText.printable(s) }
}

/// Collects diagnostics; validation never stops at the first problem.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []
    public init() {}
    public mutating func error(_ at: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(Diagnostic(.error, at: at, message, hint: hint))
    }
    public mutating func warning(_ at: SourceLocation, _ message: String, hint: String? = nil) {
        all.append(Diagnostic(.warning, at: at, message, hint: hint))
    }
    public mutating func append(_ d: Diagnostic) { all.append(d) }
    public var hasErrors: Bool { all.contains { $0.severity == .error } }
    public var sorted: [Diagnostic] {
        all.sorted { ($0.location, $0.severity.rawValue, $0.message) < ($1.location, $1.severity.rawValue, $1.message) }
    }
}

/// "did you mean" by edit distance, for keys, roles, networks and hosts.
public enum Suggest {
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = word.lowercased()
        var best: (String, Int)? = nil
        for c in candidates {
            let d = distance(w, c.lowercased())
            if d <= max(2, w.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    public static func hint(for word: String, in candidates: [String]) -> String {
        if let c = closest(to: word, in: candidates) { return "did you mean '\(c)'?" }
        return "expected one of: " + candidates.joined(separator: ", ")
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if a.count > 64 || b.count > 64 { return max(a.count, b.count) }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
