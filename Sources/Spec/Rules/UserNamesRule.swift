struct UserNamesRule: ValidationRule {
    let name = "user-names"
    let summary = "user and service account names are valid, unique and not system accounts"
    static let reserved: Set<String> = ["root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news",
                                        "uucp", "proxy", "www-data", "backup", "list", "irc", "nobody", "sshd",
                                        "systemd-network", "systemd-resolve", "messagebus", "_apt", "prometheus", "statd"]
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        var seen: [String: SourceLocation] = [:]
        let all = c.spec.users.map { ($0.name, $0.shell, true) } + c.spec.serviceAccounts.map { ($0.name, "", false) }
        for (n, shell, isUser) in all {
            if !n.value.isPortableAccountName {
                d.error(n.at, "'\(Diagnostic.printable(String(n.value.prefix(64))))' is not a valid account name",
                        hint: "start with a lowercase letter; use lowercase letters, digits, '-' and '_' (at most 32)")
            } else if Self.reserved.contains(n.value) {
                d.error(n.at, "'\(n.value)' is a system account on Debian", hint: "choose another name")
            }
            if let first = seen[n.value] {
                d.error(n.at, "account name '\(n.value)' is defined twice (first at line \(first.line))")
            } else {
                seen[n.value] = n.at
            }
            if isUser && !shell.hasPrefix("/") {
                d.error(n.at, "user \(n.value): shell '\(Diagnostic.printable(shell))' is not an absolute path",
                        hint: "e.g. /bin/bash")
            }
        }
        if c.spec.users.isEmpty { d.error(c.spec.section("users"), "no users are defined") }
    }
}
