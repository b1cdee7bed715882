import Spec
import Probe

/// The algorithms a server may offer (the hardening baseline's policy, which the sshd role
/// renders): post-quantum/curve25519 key exchange, ed25519 or SHA-2 RSA host keys, AEAD or CTR
/// ciphers, encrypt-then-MAC SHA-2 MACs. Anything else offered is a finding that names the
/// algorithm and why it is refused.
public struct SSHCryptoPolicy: Sendable {
    public var kex: Set<String>
    public var hostKeys: Set<String>
    public var ciphers: Set<String>
    public var macs: Set<String>

    /// The baseline's defaults (what an unset `security.ssh` renders).
    public init() { self.init(SSHPolicy.defaults(at: .start)) }

    /// What the spec's `security.ssh` lets sshd offer: anything else offered is a finding.
    public init(_ p: SSHPolicy) {
        kex = Set(p.kex.map(\.value))
        hostKeys = Set(p.hostKeyAlgorithms)
        ciphers = Set(p.ciphers.map(\.value))
        macs = Set(p.macs.map(\.value))
    }

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
        if let weak = SSHPolicy.weakness(a) { return weak }
        if a.contains("group-exchange") { return "group exchange: the moduli file decides the size" }
        return "not in the spec's policy (security.ssh)"
    }
}
