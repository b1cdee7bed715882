/// The agent's small state files (`maintenance.state`, `updates.state`): `key value` lines of a
/// fixed vocabulary, written by the roles' scripts and read here with the same limits, so
/// nothing in them is trusted beyond a known key and a checked value.
public enum StateFileLines {
    /// The first `maxLines` non-empty lines as key and value (the value may be empty).
    public static func pairs(_ text: String, maxLines: Int) -> [(key: Substring, value: Substring)] {
        text.split(separator: "\n", omittingEmptySubsequences: true).prefix(maxLines).map { line in
            let kv = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
            return (kv[0], kv.count > 1 ? kv[1] : "")
        }
    }

    /// A count or a time in plain decimal digits, at most `maxDigits` of them (no sign, no
    /// spaces, no exponent), or nil.
    public static func number(_ value: Substring, maxDigits: Int) -> Int? {
        guard !value.isEmpty, value.utf8.count <= maxDigits, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(value)
    }
}
