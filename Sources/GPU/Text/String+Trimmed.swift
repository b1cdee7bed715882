// Small string helpers that FoundationEssentials lacks. The GPU and agent modules use only
// FoundationEssentials so that the node agent links without full Foundation and ICU (memory).

extension StringProtocol {
    /// The string without leading and trailing whitespace (newlines included).
    public func trimmed() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
