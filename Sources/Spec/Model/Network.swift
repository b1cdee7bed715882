/// An IPv4 address. The spec's networks are IPv4 (as in the lab guide); IPv6 is not yet supported.
public struct IPv4: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32
    public init(_ value: UInt32) { self.value = value }
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(\.isASCIIDigit), let o = UInt32(p), o <= 255 else { return nil }
            if p.count > 1 && p.first == "0" { return nil } // 010 is octal to some tools: refuse
            v = v << 8 | o
        }
        value = v
    }
    public var description: String {
        "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }
    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
}

/// `10.10.0.0/24`
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public var base: IPv4
    public var prefix: Int
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPv4(String(parts[0])), parts[1].allSatisfy(\.isASCIIDigit),
              let p = Int(parts[1]), (0...32).contains(p) else { return nil }
        base = ip
        prefix = p
    }
    public var mask: UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }
    /// True when the address has host bits set (`10.10.0.5/24`): almost always a typo.
    public var hasHostBits: Bool { base.value & ~mask != 0 }
    public func contains(_ ip: IPv4) -> Bool { ip.value & mask == base.value & mask }
    public func overlaps(_ other: CIDR) -> Bool {
        let m = prefix < other.prefix ? mask : other.mask
        return base.value & m == other.base.value & m
    }
    public var networkAddress: IPv4 { IPv4(base.value & mask) }
    public var broadcastAddress: IPv4 { IPv4(base.value | ~mask) }
    public var description: String { "\(networkAddress)/\(prefix)" }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

public enum NetworkScope: String, Sendable, CaseIterable { case `public`, `internal` }

public struct Network: Sendable {
    public var name: Located<String>
    public var cidr: Located<CIDR>
    /// `public` networks are where outside users are; `insideOnly` services never open to them.
    public var scope: NetworkScope
    public var location: SourceLocation
}
