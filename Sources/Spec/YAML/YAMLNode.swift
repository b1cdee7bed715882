/// A position in the spec file, 1-based, as editors and compilers show it.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
    public var description: String { "\(line):\(column)" }
    public static let start = SourceLocation(line: 1, column: 1)
}

/// A YAML node that remembers where it came from. We keep our own tree (instead of Yams'
/// `Node`) so that every value carries its position, aliases are expanded under a budget,
/// and scalars are typed by *us* (YAML 1.2 core rules: `yes`/`no` stay strings).
public struct YAMLNode: Sendable {
    public indirect enum Kind: Sendable {
        case scalar(String, quoted: Bool)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }
    public var kind: Kind
    public var location: SourceLocation
    /// Nodes in this subtree, counting aliased subtrees each time they are used.
    public var expandedSize: Int

    public init(_ kind: Kind, at location: SourceLocation, expandedSize: Int = 1) {
        self.kind = kind
        self.location = location
        self.expandedSize = expandedSize
    }

    public var scalar: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }
    public var isQuoted: Bool {
        if case .scalar(_, let q) = kind { return q }
        return false
    }
    /// YAML 1.2 null: an empty plain scalar, `~` or `null`.
    public var isNull: Bool {
        if case .scalar(let s, let quoted) = kind, !quoted {
            return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
        }
        return false
    }
    public var typeName: String {
        switch kind {
        case .scalar: return isNull ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}
