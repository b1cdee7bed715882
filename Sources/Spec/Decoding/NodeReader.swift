/// Typed reads from the YAML tree that never stop at the first problem: each failed read
/// records a diagnostic at the offending node and returns nil, so `validate` reports all.
struct NodeReader {
    var diagnostics = Diagnostics()

    /// The keys of one mapping, checked against the keys it may have.
    struct Fields {
        let node: YAMLNode
        let path: String
        var values: [String: YAMLNode] = [:]
        var keyLocations: [String: SourceLocation] = [:]
        subscript(_ key: String) -> YAMLNode? {
            guard let v = values[key], !v.isNull else { return nil }
            return v
        }
        func keyLocation(_ key: String) -> SourceLocation { keyLocations[key] ?? node.location }
    }

    mutating func fields(_ node: YAMLNode, _ path: String, allowed: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let pairs) = node.kind else {
            diagnostics.error(node.location, "\(path) must be a mapping (key: value), not \(node.typeName)")
            return nil
        }
        var f = Fields(node: node, path: path)
        for (k, v) in pairs {
            guard let key = k.scalar, !isComplex(k) else {
                diagnostics.error(k.location, "keys in \(path) must be plain words")
                continue
            }
            guard allowed.contains(key) else {
                diagnostics.error(k.location, "unknown key '\(Diagnostic.printable(String(key.prefix(80))))' in \(path)",
                                  hint: Suggest.hint(for: key, in: allowed))
                continue
            }
            f.values[key] = v
            f.keyLocations[key] = k.location
        }
        for r in required where f[r] == nil {
            if f.values[r] != nil {
                diagnostics.error(f.keyLocation(r), "\(path).\(r) must not be empty")
            } else {
                diagnostics.error(node.location, "\(path) is missing the required key '\(r)'")
            }
        }
        return f
    }

    private func isComplex(_ n: YAMLNode) -> Bool {
        if case .scalar = n.kind { return false }
        return true
    }

    mutating func string(_ n: YAMLNode?, _ path: String, maxLength: Int = 4096) -> Located<String>? {
        guard let n else { return nil }
        guard case .scalar(let s, _) = n.kind else {
            diagnostics.error(n.location, "\(path) must be a string, not \(n.typeName)")
            return nil
        }
        if s.utf8.count > maxLength {
            diagnostics.error(n.location, "\(path) is too long (\(s.utf8.count) bytes; at most \(maxLength))")
            return nil
        }
        return Located(s, at: n.location)
    }

    mutating func int(_ n: YAMLNode?, _ path: String, range: ClosedRange<Int>) -> Located<Int>? {
        guard let n else { return nil }
        guard case .scalar(let s, let quoted) = n.kind else {
            diagnostics.error(n.location, "\(path) must be a whole number, not \(n.typeName)")
            return nil
        }
        guard !quoted, !s.isEmpty, s.count <= 18, s.allSatisfy(\.isASCIIDigit), let v = Int(s) else {
            diagnostics.error(n.location, "\(path) must be a whole number, not '\(Diagnostic.printable(String(s.prefix(40))))'")
            return nil
        }
        guard range.contains(v) else {
            diagnostics.error(n.location, "\(path) is \(v); it must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return Located(v, at: n.location)
    }

    mutating func bool(_ n: YAMLNode?, _ path: String) -> Located<Bool>? {
        guard let n else { return nil }
        switch (n.scalar, n.isQuoted) {
        case ("true", false): return Located(true, at: n.location)
        case ("false", false): return Located(false, at: n.location)
        default:
            diagnostics.error(n.location, "\(path) must be true or false",
                              hint: n.scalar.map { ["yes", "no", "on", "off", "True", "False"].contains($0) } == true
                                ? "YAML 1.2 reads only `true` and `false` as booleans" : nil)
            return nil
        }
    }

    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ n: YAMLNode?, _ path: String, _ type: E.Type) -> Located<E>?
    where E.RawValue == String {
        guard let s = string(n, path, maxLength: 200) else { return nil }
        if let v = E(rawValue: s.value) { return Located(v, at: s.at) }
        let names = E.allCases.map(\.rawValue)
        diagnostics.error(s.at, "\(path): unknown value '\(Diagnostic.printable(s.value))'",
                          hint: Suggest.hint(for: s.value, in: names))
        return nil
    }

    /// A list; a single scalar is *not* promoted (that hides mistakes like `roles: compute`).
    mutating func list(_ n: YAMLNode?, _ path: String, maxCount: Int = 100_000) -> [YAMLNode]? {
        guard let n else { return nil }
        guard case .sequence(let items) = n.kind else {
            diagnostics.error(n.location, "\(path) must be a list, not \(n.typeName)",
                              hint: n.scalar.map { "write it as [\($0)]" })
            return nil
        }
        if items.count > maxCount {
            diagnostics.error(n.location, "\(path) has \(items.count) entries; at most \(maxCount)")
            return nil
        }
        return items
    }

    mutating func strings(_ n: YAMLNode?, _ path: String, maxLength: Int = 4096) -> [Located<String>] {
        (list(n, path) ?? []).enumerated().compactMap { string($1, "\(path)[\($0)]", maxLength: maxLength) }
    }

    mutating func ints(_ n: YAMLNode?, _ path: String, range: ClosedRange<Int>) -> [Located<Int>] {
        (list(n, path) ?? []).enumerated().compactMap { int($1, "\(path)[\($0)]", range: range) }
    }

    /// `400d`, `2y`, `12w` → days.
    mutating func days(_ n: YAMLNode?, _ path: String) -> Located<Int>? {
        guard let s = string(n, path, maxLength: 20) else { return nil }
        let t = s.value
        let units: [Character: Int] = ["d": 1, "w": 7, "y": 365]
        if let u = t.last, let mult = units[u], let v = Int(t.dropLast()), v > 0, v < 100 * 365 {
            return Located(v * mult, at: s.at)
        }
        diagnostics.error(s.at, "\(path) must be a duration like 400d, 52w or 2y, not '\(Diagnostic.printable(t))'")
        return nil
    }

    /// `15s`, `1m` → seconds.
    mutating func seconds(_ n: YAMLNode?, _ path: String) -> Located<Int>? {
        guard let s = string(n, path, maxLength: 20) else { return nil }
        let t = s.value
        let units: [Character: Int] = ["s": 1, "m": 60]
        if let u = t.last, let mult = units[u], let v = Int(t.dropLast()), v > 0, v * mult <= 3600 {
            return Located(v * mult, at: s.at)
        }
        diagnostics.error(s.at, "\(path) must be a duration like 15s or 1m (at most 1 hour), not '\(Diagnostic.printable(t))'")
        return nil
    }

    /// `90s`, `10m`, `1h`, `7d` → seconds, from one second up to `max`.
    mutating func duration(_ n: YAMLNode?, _ path: String, max: Int) -> Located<Int>? {
        guard let s = string(n, path, maxLength: 20) else { return nil }
        let t = s.value
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let u = t.last, let mult = units[u], t.dropLast().allSatisfy(\.isASCIIDigit), let v = Int(t.dropLast()), v > 0,
           v <= max / mult {
            return Located(v * mult, at: s.at)
        }
        diagnostics.error(s.at, "\(path) must be a duration like 90s, 10m, 1h or 7d (at most \(max / 86400) days), not '\(Diagnostic.printable(t))'")
        return nil
    }

    mutating func schedule(_ n: YAMLNode?, _ path: String) -> Located<Schedule>? {
        guard let s = string(n, path, maxLength: 60) else { return nil }
        switch Schedule.parse(s.value) {
        case .success(let v): return Located(v, at: s.at)
        case .failure(let why):
            diagnostics.error(s.at, "\(path): cannot read schedule '\(Diagnostic.printable(s.value))'", hint: why.reason)
            return nil
        }
    }
}
