/// FNV-1a (64-bit) over bytes: the same value in every run and on every machine, unlike
/// Swift's `Hasher` (seeded per process). For names of cached folders and for slicing, never
/// for anything an attacker must not steer.
public enum StableHash {
    public static func fnv1a<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The first `digits` hex digits of the hash (leading zeros kept).
    public static func hex<S: Sequence>(_ bytes: S, digits: Int = 16) -> String where S.Element == UInt8 {
        let s = String(fnv1a(bytes), radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - s.count)) + s).prefix(max(0, digits)))
    }
}
