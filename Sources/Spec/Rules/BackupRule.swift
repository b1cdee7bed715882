struct BackupRule: ValidationRule {
    let name = "backup"
    let summary = "backup server and source exist with the right roles; paths are absolute; something is kept"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        guard let b = c.spec.backup else {
            if !c.spec.hosts(withRole: .backup).isEmpty {
                d.warning(c.spec.section("hosts"), "a host has the role 'backup' but there is no backup: section")
            }
            return
        }
        let hostNames = c.spec.hosts.map(\.name.value)
        if let server = c.spec.host(named: b.server.value) {
            if !server.has(.backup) {
                d.error(b.server.at, "backup.server \(server.name.value) does not have the role 'backup'",
                        hint: "add backup to its roles")
            }
            if server.has(.bastion) {
                d.error(b.server.at, "the backup server must not be the bastion",
                        hint: "if the bastion is compromised, its backups must survive: use a separate machine")
            }
        } else {
            d.error(b.server.at, "backup.server: unknown host '\(Diagnostic.printable(b.server.value))'",
                    hint: Suggest.hint(for: b.server.value, in: hostNames))
        }
        if c.spec.host(named: b.from.value) == nil {
            d.error(b.from.at, "backup.from: unknown host '\(Diagnostic.printable(b.from.value))'",
                    hint: Suggest.hint(for: b.from.value, in: hostNames))
        } else if b.from.value == b.server.value {
            d.error(b.from.at, "the backup server cannot back up itself")
        }
        if b.paths.isEmpty { d.error(b.location, "backup.paths is empty", hint: "e.g. paths: [/home, /etc]") }
        for p in b.paths where !RsyncServerCommand.isPlainAbsolutePath(p.value) {
            d.error(p.at, "backup path '\(Diagnostic.printable(p.value))' must be absolute, without '..', spaces or shell characters",
                    hint: "it goes into the source's sudoers line as it is; allowed: letters, digits and . _ / + -")
        }
        checkAccount(b, c, &d)
        if b.keepDaily.value + b.keepWeekly.value + b.keepMonthly.value == 0 {
            d.error(b.keepDaily.at, "backup.keep keeps no snapshot at all")
        }
    }

    /// The server logs in to `from` as `account` and runs exactly three commands there with sudo.
    func checkAccount(_ b: Backup, _ c: RuleContext, _ d: inout Diagnostics) {
        guard let source = c.spec.host(named: b.from.value) else { return }
        let paths = b.paths.map(\.value)
        let needed = RsyncServerCommand.all(paths: paths)
        let sudoLines = needed.map { "      - \($0)" }.joined(separator: "\n")
        guard let account = c.spec.serviceAccounts.first(where: { $0.name.value == b.account.value }) else {
            d.error(b.account.at, "backup.account '\(Diagnostic.printable(b.account.value))' is not among serviceAccounts",
                    hint: "add it on \(source.name.value) with exactly this sudo:\n    sudo:\n\(sudoLines)")
            return
        }
        // An empty on: is its own error (SudoCommandsRule); not repeated here.
        if !account.on.isEmpty && !c.spec.account(account, isOn: source) {
            d.error(account.location, "service account \(account.name.value) is not on \(source.name.value), which the backup pulls from",
                    hint: "add \(source.name.value) to its on:")
        }
        let listed = Set(account.sudo.map(\.value))
        if !needed.allSatisfy(listed.contains) {
            d.warning(account.location, "service account \(account.name.value) lacks the exact rsync commands the backup runs",
                      hint: "its sudo should list (what rsync 3.2+ sends for these paths):\n\(sudoLines)")
        }
    }
}
