/// The seed's anti-ransomware rule: the backup server pulls from the bastion, and nothing on
/// the bastion may reach the backup server. An explicit override is allowed, with a warning.
struct BackupIsolationRule: ValidationRule {
    let name = "backup-isolation"
    let summary = "the bastion cannot reach the backup server unless backup.allowBastionAccess is set"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        guard let b = c.spec.backup, let bastion = c.spec.bastion,
              let server = c.spec.host(named: b.server.value), server.name.value != bastion.name.value else { return }
        if b.allowBastionAccess.value {
            d.warning(b.allowBastionAccess.at, "backup.allowBastionAccess lets the bastion reach the backup server",
                      hint: "ransomware on the bastion could then delete the backups")
            return
        }
        for s in c.spec.services where c.spec.service(s, runsOn: server) {
            for ref in s.from {
                let namesBastion = ref.value == bastion.name.value
                    || (Role(rawValue: ref.value).map { bastion.has($0) } ?? false)
                if namesBastion {
                    d.error(ref.at, "service '\(s.name.value)' opens the backup server \(server.name.value) to the bastion",
                            hint: "the backup server pulls from the bastion, never the other way (set backup.allowBastionAccess: true to override)")
                }
            }
        }
    }
}
