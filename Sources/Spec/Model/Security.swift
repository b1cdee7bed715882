/// The hardening baseline's settings (`security:` in cluster.yaml), each with a secure
/// default: what sshd offers, homes' privacy, updates, and brute-force throttling on public
/// SSH. The sshd, users, updates and fail2ban roles render these; `audit` checks the same.
public struct SecuritySettings: Sendable {
    public var ssh: SSHPolicy
    /// Mode of each user's home: 0o700, or 0o750 (their own group only: each user has one).
    public var homeMode: Located<Int>
    /// The users' umask (login.defs and PAM): 0o027, or 0o077.
    public var umask: Located<Int>
    public var updates: UpdatesPolicy
    public var bruteForce: BruteForcePolicy

    public static func defaults(at: SourceLocation) -> SecuritySettings {
        SecuritySettings(ssh: .defaults(at: at), homeMode: Located(0o700, at: at), umask: Located(0o027, at: at),
                         updates: UpdatesPolicy(securitySuite: Located(true, at: at), automatic: Located(true, at: at),
                                                securityMirror: Located(UpdatesPolicy.debianSecurity, at: at)),
                         bruteForce: BruteForcePolicy(enabled: Located(true, at: at), maxRetry: Located(5, at: at),
                                                      findTimeSeconds: Located(600, at: at), banTimeSeconds: Located(3600, at: at)))
    }
}

/// What sshd offers and allows (OpenSSH 9.2 on Debian 12). The defaults are CIS Level 1 and
/// dev-sec's ssh baseline, adapted: TCP forwarding stays on (researchers' tunnels to Jupyter
/// and TensorBoard, VS Code Remote), agent and X11 forwarding are off.
public struct SSHPolicy: Sendable {
    public var kex: [Located<String>]
    public var ciphers: [Located<String>]
    public var macs: [Located<String>]
    /// Host key types sshd uses: `ed25519`, and `rsa` (3072 bits or more) for old clients.
    public var hostKeys: [Located<SSHHostKeyType>]
    public var maxAuthTries: Located<Int>
    public var tcpForwarding: Located<Bool>
    public var agentForwarding: Located<Bool>
    public var x11Forwarding: Located<Bool>
    /// Sessions one connection may carry (VS Code Remote opens many).
    public var maxSessions: Located<Int>

    public static let defaultKex = ["sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org"]
    public static let defaultCiphers = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
                                        "aes256-ctr", "aes192-ctr", "aes128-ctr"]
    public static let defaultMACs = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"]

    public static func defaults(at: SourceLocation) -> SSHPolicy {
        SSHPolicy(kex: defaultKex.map { Located($0, at: at) }, ciphers: defaultCiphers.map { Located($0, at: at) },
                  macs: defaultMACs.map { Located($0, at: at) }, hostKeys: [Located(.ed25519, at: at)],
                  maxAuthTries: Located(3, at: at), tcpForwarding: Located(true, at: at), agentForwarding: Located(false, at: at),
                  x11Forwarding: Located(false, at: at), maxSessions: Located(10, at: at))
    }

    /// The host key algorithms sshd offers for the host key types.
    public var hostKeyAlgorithms: [String] {
        hostKeys.flatMap { k -> [String] in
            switch k.value {
            case .ed25519: return ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com"]
            case .rsa: return ["rsa-sha2-512", "rsa-sha2-256", "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"]
            }
        }
    }

    /// Why an algorithm is weak (most serious first), or nil when the baseline accepts it.
    public static func weakness(_ a: String) -> String? {
        if a.contains("sha1") || a == "ssh-rsa" || a.hasPrefix("ssh-rsa-cert") { return "SHA-1" }
        if a.contains("cbc") || a.contains("3des") || a.contains("arcfour") { return "CBC or a broken cipher" }
        if a.hasPrefix("diffie-hellman-group1-") || a.hasPrefix("diffie-hellman-group14") { return "a small Diffie-Hellman group (under 3072 bits)" }
        if a.contains("nistp") || a.hasPrefix("ecdsa") { return "a NIST curve" }
        if a.contains("dss") { return "DSA" }
        if a.hasPrefix("umac-64") || a.contains("-96") { return "a 64-bit or truncated tag" }
        if a.hasPrefix("hmac-") && !a.contains("etm") { return "MAC-then-encrypt (not -etm)" }
        return nil
    }

    /// An OpenSSH algorithm name: lowercase letters, digits and `@ . + -` (so a value can never
    /// add a second option or line to sshd_config).
    public static func isAlgorithmName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x40 || b == 0x2e || b == 0x2b || b == 0x2d
        }
    }
}

public enum SSHHostKeyType: String, Sendable, CaseIterable { case ed25519, rsa }

public struct UpdatesPolicy: Sendable {
    /// The distribution's security suite in apt's sources.
    public var securitySuite: Located<Bool>
    /// unattended-upgrades installs security updates daily (never reboots: GPU jobs run for days).
    public var automatic: Located<Bool>
    public var securityMirror: Located<String>
    public static let debianSecurity = "http://security.debian.org/debian-security"
}

/// fail2ban on hosts whose SSH a public network reaches; the admin networks are never banned.
public struct BruteForcePolicy: Sendable {
    public var enabled: Located<Bool>
    public var maxRetry: Located<Int>
    public var findTimeSeconds: Located<Int>
    public var banTimeSeconds: Located<Int>
}

/// A shared project folder (`projects:`): a group with a fixed gid on every host, its
/// members, and a setgid folder on the NFS server that only they can enter.
public struct Project: Sendable {
    public var name: Located<String>
    public var gid: Located<Int>
    public var members: [Located<String>]
    public var path: Located<String>
    public var location: SourceLocation

    public static func defaultPath(_ name: String) -> String { "/srv/projects/\(name)" }
}
