import Probe

/// The algorithms a server may offer (the hardening baseline's policy, which the sshd role
/// renders): post-quantum/curve25519 key exchange, ed25519 or SHA-2 RSA host keys, AEAD or CTR
/// ciphers, encrypt-then-MAC SHA-2 MACs. Anything else offered is a finding that names the
/// algorithm and why it is refused.
public struct SSHCryptoPolicy: Sendable {
    public var kex: Set<String> = ["sntrup761x25519-sha512@openssh.com", "sntrup761x25519-sha512", "mlkem768x25519-sha256",
                                   "curve25519-sha256", "curve25519-sha256@libssh.org"]
    public var hostKeys: Set<String> = ["ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "rsa-sha2-512", "rsa-sha2-256",
                                        "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com"]
    public var ciphers: Set<String> = ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
                                       "aes256-ctr", "aes192-ctr", "aes128-ctr"]
    public var macs: Set<String> = ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"]

    public init() {}

    /// Markers in the kex list that are not algorithms (RFC 8308, OpenSSH's strict kex).
    static let markers: Set<String> = ["ext-info-s", "ext-info-c", "kex-strict-s-v00@openssh.com", "kex-strict-c-v00@openssh.com"]

    public struct Offence: Sendable, Equatable, Codable {
        public var kind: String
        public var algorithm: String
        public var why: String
    }

    public func offences(_ hello: SSHServerHello) -> [Offence] {
        var out: [Offence] = []
        for a in hello.kex where !kex.contains(a) && !Self.markers.contains(a) { out.append(Offence(kind: "key exchange", algorithm: a, why: Self.why(a))) }
        for a in hello.hostKeys where !hostKeys.contains(a) { out.append(Offence(kind: "host key", algorithm: a, why: Self.why(a))) }
        for a in hello.ciphers where !ciphers.contains(a) { out.append(Offence(kind: "cipher", algorithm: a, why: Self.why(a))) }
        for a in hello.macs where !macs.contains(a) { out.append(Offence(kind: "MAC", algorithm: a, why: Self.why(a))) }
        return out
    }

    /// The reason, most serious first.
    static func why(_ a: String) -> String {
        if a.contains("sha1") || a == "ssh-rsa" || a.hasPrefix("ssh-rsa-cert") { return "SHA-1" }
        if a.contains("cbc") || a.contains("3des") || a.contains("arcfour") { return "CBC or a broken cipher" }
        if a.hasPrefix("diffie-hellman-group1-") || a.hasPrefix("diffie-hellman-group14") { return "a small Diffie-Hellman group (under 3072 bits)" }
        if a.contains("group-exchange") { return "group exchange: the moduli file decides the size" }
        if a.contains("nistp") || a.hasPrefix("ecdsa") { return "a NIST curve" }
        if a.contains("dss") { return "DSA" }
        if a.hasPrefix("umac-64") || a.contains("-96") { return "a 64-bit or truncated tag" }
        if a.hasPrefix("hmac-") && !a.contains("etm") { return "MAC-then-encrypt (not -etm)" }
        return "not in the policy"
    }
}
