/// What a chat message says about alerts: one line per alert, the chat's markup characters
/// escaped (`& < >` for Slack-compatible services), long groups split under the services'
/// limits (Slack refuses a message of about 20 alerts in blocks and truncates long text).
public enum ChatText {
    /// At most this many alerts per message, and this many characters.
    public static let maxAlertsPerMessage = 10
    public static let maxCharacters = 3500
    static let maxLine = 600

    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            // Control characters would break the message's lines (or a terminal showing it).
            case "\u{0}"..."\u{1F}", "\u{7F}": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// One line: state, severity, name, where, summary, and the runbook/dashboard links when given.
    public static func line(_ a: AlertmanagerWebhook.Alert, resolved: Bool) -> String {
        let name = a.labels["alertname"] ?? "alert"
        let severity = a.labels["severity"].map { " [\($0)]" } ?? ""
        let where_ = a.labels["node"].map { " on \($0)" } ?? a.labels["instance"].map { " on \($0)" } ?? ""
        let summary = a.annotations["summary"].map { ": \($0)" } ?? ""
        var s = (resolved ? "RESOLVED " : "FIRING ") + escape(name + severity + where_ + summary)
        if !resolved, let runbook = a.annotations["runbook"] { s += "\n    runbook: " + escape(runbook) }
        if !resolved, let link = a.annotations["dashboard"] { s += "\n    " + escape(link) }
        return s.count > maxLine ? String(s.prefix(maxLine - 1)) + "…" : s
    }

    /// The messages for these alerts: parts of at most `maxAlertsPerMessage` lines and
    /// `maxCharacters` characters, numbered when there is more than one.
    public static func parts(_ alerts: [AlertmanagerWebhook.Alert], resolved: Bool) -> [String] {
        var chunks: [[String]] = [[]]
        var size = 0
        for a in alerts {
            let l = line(a, resolved: resolved)
            if chunks[chunks.count - 1].count == maxAlertsPerMessage || size + l.count + 1 > maxCharacters - 16 {
                chunks.append([]); size = 0
            }
            chunks[chunks.count - 1].append(l)
            size += l.count + 1
        }
        chunks = chunks.filter { !$0.isEmpty }
        if chunks.count == 1 { return [chunks[0].joined(separator: "\n")] }
        return chunks.enumerated().map { i, lines in "(\(i + 1)/\(chunks.count))\n" + lines.joined(separator: "\n") }
    }
}
