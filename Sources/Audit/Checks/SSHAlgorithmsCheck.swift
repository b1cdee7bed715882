import Probe

/// The key exchange, host key, cipher and MAC algorithms each host's sshd offers, read from
/// its KEXINIT, against the modern policy. One finding per host naming every offender.
struct SSHAlgorithmsCheck: AuditCheck {
    let name = "ssh-algorithms"
    func run(_ context: AuditContext) async -> [Finding] {
        let policy = SSHCryptoPolicy(context.spec.security.ssh)
        return context.reachableHosts().map { host, address in
            let subject = "sshd on \(address):22"
            let expected = "only the spec's algorithms (security.ssh; by default curve25519/sntrup761, ed25519, AEAD/CTR, SHA-2 -etm MACs)"
            guard context.sshAdmitted(host) else {
                return Finding(host: host.name.value, check: name, subject: subject, status: .skipped, expected: expected,
                               found: "not asked", fix: "the spec admits no SSH from \(context.vantage) to \(host.name.value)")
            }
            let hello: SSHServerHello
            do { hello = try context.probing.sshHello(address, port: 22) } catch {
                return Finding(host: host.name.value, check: name, subject: subject, status: .fail, expected: expected,
                               found: "no SSH answer: \(error)", fix: "sshd must run and admit this vantage point")
            }
            let offences = policy.offences(hello)
            guard !offences.isEmpty else {
                return Finding(host: host.name.value, check: name, subject: subject, status: .pass, expected: expected, found: hello.banner)
            }
            let found = offences.map { "\($0.kind) \($0.algorithm) (\($0.why))" }.joined(separator: "; ")
            return Finding(host: host.name.value, check: name, subject: subject, status: .fail, expected: expected, found: "offers " + found,
                           fix: "re-apply the sshd role; a drop-in read before 00-gpucluster.conf may set KexAlgorithms/Ciphers/MACs/HostKeyAlgorithms (`sshd -T` on the host)")
        }
    }
}
