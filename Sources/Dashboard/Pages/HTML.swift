import Foundation

/// HTML output helpers. Every string that comes from the cluster (user names, process
/// command lines, job ids, node names) goes through `escape` or `attr`, never raw.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters would be invisible or break the layout.
                if c.value < 0x20 && c != "\n" && c != "\t" || c.value == 0x7F { out += "\u{FFFD}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    /// For attribute values (always double-quoted in our output).
    static func attr(_ s: String) -> String { escape(s) }

    /// A path segment for links to /user/NAME and /node/NAME.
    static func pathSegment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A utilization as a whole percent 0–100, whatever was stored (never traps).
    static func percent(_ u: Double) -> Int {
        u.isFinite ? Int(min(100, max(0, u))) : 0
    }

    static func mib(_ b: UInt64?) -> String {
        guard let b else { return "–" }
        let m = b >> 20
        return m >= 10_240 ? String(format: "%.1f GiB", Double(b) / 1_073_741_824) : "\(m) MiB"
    }

    static func time(_ t: Double) -> String {
        UTC.format(t, "%Y-%m-%d %H:%M:%S UTC")
    }
}
