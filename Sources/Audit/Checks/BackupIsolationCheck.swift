import Spec

/// The bastion must not be able to reach the backup server's SSH (so that whoever takes the
/// bastion cannot reach the backups), unless the spec says `backup.allowBastionAccess: true`.
struct BackupIsolationCheck: HostCheck {
    let name = "backup-isolation"

    func command(for host: Host, in context: AuditContext) -> String? {
        guard host.has(.bastion), let server = backupServer(context), server.name.value != host.name.value,
              let address = context.spec.address(of: server, seenFrom: host) else { return nil }
        return "timeout 5 bash -c '</dev/tcp/\(address)/22' 2>/dev/null; echo \"connect $?\""
    }

    func backupServer(_ context: AuditContext) -> Host? {
        context.spec.backup.flatMap { context.spec.host(named: $0.server.value) }
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let allowed = context.spec.backup?.allowBastionAccess.value ?? false
        let reached = r.stdout.contains("connect 0")
        let subject = "TCP from the bastion to \(backupServer(context)?.name.value ?? "the backup server")'s SSH"
        if allowed {
            return [finding(host, subject, .skipped, expected: "refused", found: reached ? "reached" : "refused",
                            fix: "backup.allowBastionAccess: true in cluster.yaml")]
        }
        return [finding(host, subject, reached ? .fail : .pass, expected: "refused", found: reached ? "reached" : "refused",
                        fix: reached ? "the backup server's firewall must refuse the bastion: re-apply the backup server from the admins' network" : nil)]
    }
}
