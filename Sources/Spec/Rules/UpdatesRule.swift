/// `security.updates`: the security mirror goes into apt's sources as one line, so it must be
/// a plain http(s) URL; turning security updates off is allowed but warned about.
struct UpdatesRule: ValidationRule {
    let name = "updates"
    let summary = "the security mirror is a plain http(s) URL; security updates off is warned about"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let u = c.spec.security.updates
        let m = u.securityMirror.value
        if !isPlainHTTPURL(m) {
            d.error(u.securityMirror.at, "security.updates.securityMirror '\(Diagnostic.printable(String(m.prefix(80))))' is not a plain http(s) URL",
                    hint: "e.g. \(UpdatesPolicy.debianSecurity)")
        }
        if !u.securitySuite.value {
            d.warning(u.securitySuite.at, "security.updates.securitySuite is off: hosts get no security fixes from apt")
        } else if !u.automatic.value {
            d.warning(u.automatic.at, "security.updates.automatic is off: security fixes wait for an admin (the dashboard shows what is pending)")
        }
    }
}

/// An http(s) URL of letters, digits and `:/._-~%` only: it goes into one line of apt's
/// sources, where a space, a newline or brackets would add options or entries.
func isPlainHTTPURL(_ m: String) -> Bool {
    let rest = m.hasPrefix("https://") ? m.dropFirst(8) : m.hasPrefix("http://") ? m.dropFirst(7) : nil
    guard let rest, !rest.isEmpty else { return false }
    return m.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ":/._-~%".unicodeScalars.contains($0)) }
}
