import Probe

/// The authentication methods each host's sshd offers, from its own answer, for a real user,
/// for root and for a user that does not exist: publickey only, everywhere.
struct SSHAuthenticationCheck: AuditCheck {
    let name = "ssh-auth"
    static let nobody = "gpucluster-audit-no-such-user"

    func run(_ context: AuditContext) async -> [Finding] {
        let users = (context.spec.users.first.map { [$0.name.value] } ?? []) + ["root", Self.nobody]
        var out: [Finding] = []
        for (host, address) in context.reachableHosts() {
            guard context.sshAdmitted(host) else {
                out.append(Finding(host: host.name.value, check: name, subject: "authentication methods", status: .skipped, expected: "publickey only",
                                   found: "not asked", fix: "the spec admits no SSH from \(context.vantage) to \(host.name.value)"))
                continue
            }
            for user in users {
                let a = context.probing.sshMethods(address, port: 22, user: user)
                let subject = "authentication methods for \(user == Self.nobody ? "a user that does not exist" : user)"
                let expected = "publickey only"
                func finding(_ status: Finding.Status, _ found: String, _ fix: String? = nil) -> Finding {
                    Finding(host: host.name.value, check: name, subject: subject, status: status, expected: expected, found: found, fix: fix)
                }
                if a.loggedIn {
                    out.append(finding(.fail, "logged in with no authentication at all", "PermitEmptyPasswords no and AuthenticationMethods publickey; re-apply"))
                } else if let e = a.error {
                    out.append(finding(.fail, "could not ask: \(e)", "sshd must run and admit this vantage point"))
                } else if a.methods == ["publickey"] {
                    out.append(finding(.pass, "publickey"))
                } else {
                    let extra = a.methods.filter { $0 != "publickey" }
                    var fix = "the server offers \(extra.joined(separator: ", ")): "
                    if extra.contains("password") { fix += "PasswordAuthentication yes is in effect and AuthenticationMethods allows it; " }
                    if extra.contains("keyboard-interactive") { fix += "KbdInteractiveAuthentication yes is in effect; " }
                    fix += "a drop-in read before 00-gpucluster.conf or a Match block overrides the role (`sshd -T -C user=\(user)` and `grep -r Authentication /etc/ssh/sshd_config.d` on the host), then re-apply"
                    out.append(finding(.fail, a.methods.joined(separator: ","), fix))
                }
            }
        }
        return out
    }
}
