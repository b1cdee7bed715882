/// Text from elsewhere (remote command output, spec values, agents' answers) on an admin's
/// terminal: control characters (C0, DEL, C1) and bidi overrides become visible `\u{…}`
/// escapes, so no value can move the cursor, retitle the window or hide what follows. The one
/// place every command's terminal output goes through.
public enum TerminalText {
    public static func printable(_ s: String, max: Int = .max, keepNewlines: Bool = false) -> String {
        var out = ""
        var n = 0
        for u in s.unicodeScalars {
            if n == max { return out + "…" }
            n += 1
            switch u.value {
            case 0x0A where keepNewlines:
                out.unicodeScalars.append(u)
            case 0..<0x20, 0x7F, 0x80..<0xA0, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{\(String(u.value, radix: 16))}"
            default:
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
