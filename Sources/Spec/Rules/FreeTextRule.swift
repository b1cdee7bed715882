/// Spec values end up in generated files (Ansible variables, sudoers, rsyslog, systemd units,
/// ufw comments). Each free-text field must be what its destination accepts, so that no value
/// can add a line, become code, or be evaluated as an Ansible template.
struct FreeTextRule: ValidationRule {
    let name = "free-text"
    let summary = "free-text values are what their destination accepts: no control characters, no templates, plain names and paths"

    /// Login shells a user may be given (Debian's /etc/shells, plus nologin for locked accounts).
    static let shells: Set<String> = ["/bin/bash", "/usr/bin/bash", "/bin/sh", "/usr/bin/sh", "/bin/dash", "/usr/bin/dash",
                                      "/bin/zsh", "/usr/bin/zsh", "/usr/bin/fish", "/bin/tcsh", "/usr/bin/tcsh",
                                      "/bin/ksh", "/usr/bin/ksh", "/bin/rbash", "/usr/bin/rbash", "/usr/sbin/nologin"]

    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        var budget = 200_000
        walk(c.root, path: [], &d, &budget)
    }

    private func walk(_ n: YAMLNode, path: [String], _ d: inout Diagnostics, _ budget: inout Int) {
        budget -= 1
        guard budget > 0 else { return }
        switch n.kind {
        case .scalar(let s, _):
            checkScalar(s, at: n.location, path: path, &d)
        case .mapping(let pairs):
            for (k, v) in pairs {
                let key = k.scalar ?? ""
                checkScalar(key, at: k.location, path: path + ["<key>"], &d)
                if path == ["services"] { checkName(key, at: k.location, what: "service name", &d) }
                walk(v, path: path + [key], &d, &budget)
            }
        case .sequence(let items):
            for i in items { walk(i, path: path + ["[]"], &d, &budget) }
        }
    }

    private func checkScalar(_ s: String, at: SourceLocation, path: [String], _ d: inout Diagnostics) {
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value)
                                              || $0.value == 0x2028 || $0.value == 0x2029 }) {
            d.error(at, "this value contains a control character (newline, tab, escape, …)",
                    hint: "generated files take one value per line: write it on one line, without control characters")
            return
        }
        if s.contains("{{") || s.contains("{%") || s.contains("{#") {
            d.error(at, "'\(Diagnostic.printable(String(s.prefix(64))))' contains a template marker ({{, {% or {#)",
                    hint: "values are copied into Ansible variables, where Jinja would evaluate them: remove the braces")
            return
        }
        switch path {
        case ["cluster", "domain"]:
            let labels = s.split(separator: ".", omittingEmptySubsequences: false)
            if s.count > 253 || labels.contains(where: { !String($0).isHostLabel }) {
                d.error(at, "cluster.domain '\(Diagnostic.printable(s))' is not a DNS name", hint: "e.g. lab.example.org (lowercase letters, digits, '-', dots)")
            }
        case ["cluster", "timezone"]:
            let ok = !s.isEmpty && s.count <= 64 && !s.hasPrefix("/") && !s.split(separator: "/").contains("..")
                && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-/".contains($0)) }
            if !ok { d.error(at, "cluster.timezone '\(Diagnostic.printable(s))' is not a time zone name", hint: "e.g. Europe/Berlin or Etc/UTC") }
        case ["users", "[]", "shell"]:
            if !Self.shells.contains(s) {
                d.error(at, "shell '\(Diagnostic.printable(s))' is not a known login shell",
                        hint: "one of \(Self.shells.sorted().joined(separator: ", "))")
            }
        case ["hosts", "[]", "tags", "[]"]:
            checkName(s, at: at, what: "tag", extra: "._ABCDEFGHIJKLMNOPQRSTUVWXYZ", &d)
        case ["users", "[]", "github"]:
            let ok = !s.isEmpty && s.count <= 39 && s.first != "-" && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            if !ok { d.error(at, "'\(Diagnostic.printable(s))' is not a GitHub user name", hint: "letters, digits and '-' (at most 39)") }
        case ["nfs", "exports", "[]", "path"], ["backup", "paths", "[]"], ["monitoring", "notify", "slack", "webhookFile"]:
            if s.contains("://") { return }  // InlineSecretsRule says what is wrong with a URL here
            if s.isEmpty || !s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+@".contains($0)) }) {
                d.error(at, "path '\(Diagnostic.printable(s))' has characters a generated file cannot hold as they are",
                        hint: "use letters, digits and / . _ - + @ (no spaces, quotes, '*', '(' or '$')")
            }
        case ["monitoring", "notify", "slack", "channel"]:
            let body = s.hasPrefix("#") ? s.dropFirst() : Substring(s)
            if body.isEmpty || body.count > 80 || !body.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }) {
                d.error(at, "Slack channel '\(Diagnostic.printable(s))' is not a channel name", hint: "e.g. #gpu-cluster (lowercase letters, digits, - _ .)")
            }
        default:
            break
        }
    }

    private func checkName(_ s: String, at: SourceLocation, what: String, extra: String = "", _ d: inout Diagnostics) {
        let ok = !s.isEmpty && s.count <= 64 && s.first != "-"
            && s.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || extra.contains($0) }
        if !ok {
            d.error(at, "\(what) '\(Diagnostic.printable(String(s.prefix(64))))' must be lowercase letters, digits and '-'\(extra.isEmpty ? "" : ", '.', '_' and capitals")",
                    hint: "it becomes part of firewall comments, file names and metric labels")
        }
    }
}
