import Foundation
import HostSystem

/// The audit's findings for people (a table grouped by host), for programs (JSON) and for CI
/// systems (JUnit XML: one test case per finding, failures with the fix).
public enum AuditReport {
    public static func table(_ findings: [Finding], color: Bool = false) -> String {
        var out = ""
        var hosts: [String] = []
        for f in findings where !hosts.contains(f.host) { hosts.append(f.host) }
        for host in hosts {
            let mine = findings.filter { $0.host == host }
            let failed = mine.filter { $0.status == .fail }.count
            out += "\(clean(host))  \(failed == 0 ? "pass" : "\(failed) failed")\n"
            for f in mine {
                let mark = f.status == .pass ? "ok  " : f.status == .fail ? "FAIL" : "skip"
                let colored = color && f.status == .fail ? "\u{1B}[31m\(mark)\u{1B}[0m" : mark
                out += "  \(colored) \(pad(f.check, 15)) \(clean(f.subject)): \(clean(f.found))\n"
                if f.status != .pass {
                    out += "       expected: \(clean(f.expected))\n"
                    if let fix = f.fix { out += "       \(f.status == .fail ? "fix" : "why"): \(clean(fix))\n" }
                }
            }
        }
        let failed = findings.filter { $0.status == .fail }.count, skipped = findings.filter { $0.status == .skipped }.count
        out += "\n\(findings.count - failed - skipped) passed, \(failed) failed, \(skipped) skipped\n"
        return out
    }

    public static func json(_ findings: [Finding]) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct Document: Encodable { var failed: Int; var findings: [Finding] }
        let data = (try? e.encode(Document(failed: findings.filter { $0.status == .fail }.count, findings: findings))) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    public static func junit(_ findings: [Finding], name: String = "gpucluster audit") -> String {
        var hosts: [String] = []
        for f in findings where !hosts.contains(f.host) { hosts.append(f.host) }
        let failures = findings.filter { $0.status == .fail }.count, skipped = findings.filter { $0.status == .skipped }.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(xml(name))\" tests=\"\(findings.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\">\n"
        for host in hosts {
            let mine = findings.filter { $0.host == host }
            out += "  <testsuite name=\"\(xml(host))\" tests=\"\(mine.count)\" failures=\"\(mine.filter { $0.status == .fail }.count)\" skipped=\"\(mine.filter { $0.status == .skipped }.count)\">\n"
            for f in mine {
                out += "    <testcase classname=\"\(xml(host)).\(xml(f.check))\" name=\"\(xml(f.subject))\""
                switch f.status {
                case .pass: out += "/>\n"
                case .skipped: out += "><skipped message=\"\(xml(f.fix ?? f.found))\"/></testcase>\n"
                case .fail:
                    out += "><failure message=\"expected \(xml(f.expected)), found \(xml(f.found))\">\(xml(f.fix ?? ""))</failure></testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    /// XML text and attribute escaping; control characters (not allowed in XML 1.0) dropped.
    static func xml(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out.unicodeScalars.append(u)
            default: if u.value >= 0x20 && !(0xFFFE...0xFFFF).contains(u.value) { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    static func clean(_ s: String) -> String { TerminalText.printable(s, max: 400) }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
