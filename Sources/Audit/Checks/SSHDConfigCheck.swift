import Spec

/// The values sshd really uses (`sshd -T`), for the settings the baseline fixes: whatever a
/// drop-in or the main file says, these must hold. The lines that set them elsewhere are named.
struct SSHDConfigCheck: HostCheck {
    let name = "sshd-config"

    /// Setting → the values allowed, the one the sshd role renders first (sshd -T prints
    /// lower-case names). The policy's values are the spec's (security.ssh).
    static func baseline(_ p: SSHPolicy) -> [(String, [String])] {
        func yesNo(_ b: Bool) -> [String] { [b ? "yes" : "no"] }
        return [
            ("passwordauthentication", ["no"]), ("kbdinteractiveauthentication", ["no"]), ("permitemptypasswords", ["no"]),
            ("pubkeyauthentication", ["yes"]), ("authenticationmethods", ["publickey"]),
            ("permitrootlogin", ["prohibit-password", "without-password", "no"]), ("x11forwarding", yesNo(p.x11Forwarding.value)),
            ("allowagentforwarding", yesNo(p.agentForwarding.value)), ("allowtcpforwarding", p.tcpForwarding.value ? ["yes", "all"] : ["no"]),
            ("maxauthtries", (1...p.maxAuthTries.value).reversed().map(String.init)), ("maxsessions", [String(p.maxSessions.value)]),
            ("loglevel", ["VERBOSE"]),
            ("kexalgorithms", [p.kex.map(\.value).joined(separator: ",")]), ("ciphers", [p.ciphers.map(\.value).joined(separator: ",")]),
            ("macs", [p.macs.map(\.value).joined(separator: ",")]),
        ]
    }

    func command(for host: Host, in context: AuditContext) -> String? {
        "sudo -n /usr/sbin/sshd -T; echo '--- set by'; sudo -n grep -HinE "
            + "'^[[:space:]]*(PasswordAuthentication|KbdInteractiveAuthentication|AuthenticationMethods|PermitRootLogin|PermitEmptyPasswords)[[:space:]]' "
            + "/etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf 2>/dev/null; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let parts = r.stdout.components(separatedBy: "--- set by\n")
        var values: [String: String] = [:]
        for line in Self.lines(parts[0]) {
            let kv = line.split(separator: " ", maxSplits: 1)
            if kv.count == 2, values[String(kv[0])] == nil { values[String(kv[0])] = String(kv[1]) }
        }
        guard !values.isEmpty else {
            return [finding(host, "sshd -T", .fail, expected: "the effective sshd settings", found: r.stderr.prefix(300).description,
                            fix: "the admin needs sudo on the host, and sshd must be installed")]
        }
        let baseline = Self.baseline(context.spec.security.ssh)
        var wrong: [String] = []
        for (key, allowed) in baseline where !(values[key].map(allowed.contains) ?? false) {
            wrong.append("\(key) \(values[key] ?? "(unset)")")
        }
        // The lines outside the role's drop-in that set a setting found wrong.
        let wrongKeys = Set(wrong.compactMap { $0.split(separator: " ").first.map(String.init) })
        let foreign = parts.count > 1 ? Self.lines(parts[1]).filter { line in
            !line.contains("00-gpucluster.conf") && wrongKeys.contains { line.lowercased().contains(":" + $0 + " ") || line.lowercased().contains(":" + $0 + "\t") }
        }.map(String.init) : []
        let subject = "effective sshd settings (sshd -T)"
        let expected = baseline.map { "\($0.0) \($0.1.first ?? "")" }.joined(separator: ", ")
        guard !wrong.isEmpty else { return [finding(host, subject, .pass, expected: expected, found: "as the baseline")] }
        return [finding(host, subject, .fail, expected: expected, found: wrong.joined(separator: ", "),
                        fix: (foreign.isEmpty ? "" : "set outside the role by \(foreign.prefix(5).joined(separator: "; ")); ")
                            + "sshd keeps the first value it reads: remove the line or the drop-in, then re-apply")]
    }
}
