import Spec

/// What the host checks share: one command per host over the admin's SSH, a failure of its
/// own when the admin cannot log in (that is a finding too, never a silent skip).
protocol HostCheck: AuditCheck {
    /// The command to run on the host, or nil when the check does not apply there.
    func command(for host: Host, in context: AuditContext) -> String?
    func judge(_ host: Host, _ result: ShellResult, in context: AuditContext) -> [Finding]
}

extension HostCheck {
    func run(_ context: AuditContext) async -> [Finding] {
        var out: [Finding] = []
        for (host, address) in context.loginTargets() {
            guard let command = command(for: host, in: context) else { continue }
            context.progress("\(name): \(host.name.value)")
            let r = context.probing.shell(address, command)
            if r.unreachable {
                out.append(Finding(host: host.name.value, check: name, subject: "admin login over SSH to \(address)", status: .fail,
                                   expected: "a login with the admin's key", found: r.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                                   fix: "run the audit where the admin key is (--ssh-config, --ssh-user), or leave host checks out (--check ports --check ssh-algorithms --check ssh-auth)"))
                continue
            }
            out += judge(host, r, in: context)
        }
        return out
    }

    func finding(_ host: Host, _ subject: String, _ status: Finding.Status, expected: String, found: String, fix: String? = nil) -> Finding {
        Finding(host: host.name.value, check: name, subject: subject, status: status, expected: expected, found: found, fix: fix)
    }

    /// Lines of a command's output, at most `max` of them, each at most 1,000 characters.
    static func lines(_ text: String, max: Int = 5000) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: true).prefix(max).map { $0.prefix(1000) }
    }
}
