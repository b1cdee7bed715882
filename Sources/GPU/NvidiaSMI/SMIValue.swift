#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Cell values as nvidia-smi prints them: `81559 MiB`, `37 %`, `28.16 W`, `P0`, `[N/A]`.
/// Anything in brackets ([N/A], [Not Supported], [Insufficient Permissions], …) or `N/A` is
/// missing, never zero.
public enum SMIValue {
    public static func isMissing(_ raw: String) -> Bool {
        let t = raw.trimmed()
        return t.isEmpty || t.hasPrefix("[") || t == "N/A" || t == "Unknown Error" || t == "Not Available"
    }

    /// The number at the start of the cell, with its unit stripped; nil when missing or not
    /// finite (`1e999`, `inf`, `nan` are garbage, not readings).
    public static func number(_ raw: String) -> Double? {
        let t = raw.trimmed()
        if isMissing(t) { return nil }
        if t.hasPrefix("0x") || t.hasPrefix("0X") { return UInt64(t.dropFirst(2), radix: 16).map { Double($0) } }
        let numberPart = t.prefix { $0.isNumber || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E" }
        guard !numberPart.isEmpty, let v = Double(numberPart), v.isFinite else { return nil }
        return v
    }

    /// A count (ECC errors, remapped rows): whole, 0 ≤ n < 2^53; nil otherwise.
    public static func count(_ raw: String) -> UInt64? {
        number(raw).flatMap(Self.count(of:))
    }

    /// An index or id (GPU minor number, MIG instance): 0 ≤ n ≤ 2^31 − 1; nil otherwise.
    public static func index(_ raw: String) -> Int? {
        guard let v = number(raw), v >= 0, v <= Double(Int32.max) else { return nil }
        return Int(v)
    }

    /// A parsed double as a count, without trapping: nil unless finite, ≥ 0 and < 2^53.
    public static func count(of v: Double) -> UInt64? {
        guard v.isFinite, v >= 0, v < 9_007_199_254_740_992 else { return nil }
        return UInt64(v)
    }

    /// A percentage reading: nil outside 0–100 (a driver answering 255 % is not believed).
    public static func percent(_ raw: String) -> Double? {
        guard let v = number(raw), (0...100).contains(v) else { return nil }
        return v
    }

    /// Megabytes as nvidia-smi means them (MiB) → bytes. Honors an explicit unit when present.
    public static func bytes(_ raw: String, defaultUnitMiB: Bool = true) -> UInt64? {
        guard let v = number(raw), v >= 0 else { return nil }
        let t = raw.trimmed()
        let factor: Double
        if t.hasSuffix("GiB") { factor = 1_073_741_824 }
        else if t.hasSuffix("KiB") { factor = 1024 }
        else if t.hasSuffix(" B") { factor = 1 }
        else { factor = defaultUnitMiB ? 1_048_576 : 1 }
        // Below 2^53 bytes (8 PiB): anything larger is not a GPU's memory, and would not convert.
        return count(of: v * factor)
    }

    public static func hex(_ raw: String) -> UInt64? {
        let t = raw.trimmed()
        guard t.hasPrefix("0x") || t.hasPrefix("0X") else { return nil }
        return UInt64(t.dropFirst(2), radix: 16)
    }

    /// `P0` … `P15`.
    public static func pstate(_ raw: String) -> Int? {
        let t = raw.trimmed()
        guard t.hasPrefix("P") else { return nil }
        return Int(t.dropFirst())
    }

    public static func text(_ raw: String) -> String? {
        let t = raw.trimmed()
        return isMissing(t) ? nil : t
    }
}

