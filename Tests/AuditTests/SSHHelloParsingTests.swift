import Foundation
@testable import Audit
import Probe
import Testing

/// What an SSH server sends before key exchange is hostile input: every length bounded, every
/// name printable, nothing read past the packet.
@Suite("SSH server hello, hostile")
struct SSHHelloParsingTests {
    static func nameList(_ names: [String]) -> [UInt8] {
        let body = Array(names.joined(separator: ",").utf8)
        return be32(body.count) + body
    }
    static func be32(_ n: Int) -> [UInt8] { [UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] }

    /// A well-formed version line and KEXINIT packet (RFC 4253 §6, §7.1).
    static func hello(banner: String = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", kex: [String] = ["curve25519-sha256", "kex-strict-s-v00@openssh.com"],
                      hostKeys: [String] = ["ssh-ed25519"], ciphers: [String] = ["chacha20-poly1305@openssh.com"],
                      macs: [String] = ["hmac-sha2-256-etm@openssh.com"], before: [String] = []) -> [UInt8] {
        var payload: [UInt8] = [20] + [UInt8](repeating: 7, count: 16)
        for list in [kex, hostKeys, ciphers, ciphers, macs, macs, ["none"], ["none"], [], []] { payload += nameList(list) }
        payload += [0] + be32(0)
        let padding = 8 - (payload.count + 5) % 8 + 8
        let packet = be32(payload.count + padding + 1) + [UInt8(padding)] + payload + [UInt8](repeating: 0, count: padding)
        return Array((before.map { $0 + "\r\n" }.joined() + banner + "\r\n").utf8) + packet
    }

    @Test("a real-looking hello parses; lines before the version line are allowed")
    func good() throws {
        let h = try SSHServerHello.parse(Self.hello(before: ["Welcome", "to the lab"]))
        #expect(h.banner == "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
        #expect(h.kex == ["curve25519-sha256", "kex-strict-s-v00@openssh.com"] && h.hostKeys == ["ssh-ed25519"])
        #expect(h.macs == ["hmac-sha2-256-etm@openssh.com"] && h.compression == ["none"])
        #expect(SSHCryptoPolicy().offences(h).isEmpty, "markers like kex-strict are not algorithms")
    }

    @Test("cut short anywhere, lengths past the end, a huge packet, control bytes, 65 names, SSH-1, no version line: refused, never trapped")
    func hostile() {
        let good = Self.hello()
        for n in stride(from: 0, to: good.count - 16, by: 7) {   // the last 9…16 bytes are padding
            #expect(throws: SSHServerHello.Failure.self, "cut at \(n)") { try SSHServerHello.parse(Array(good[0..<n])) }
        }
        var huge = Array("SSH-2.0-x\r\n".utf8) + Self.be32(0x7fff_ffff) + [4, 20]
        #expect(throws: SSHServerHello.Failure.self) { try SSHServerHello.parse(huge) }
        huge = Array("SSH-2.0-x\r\n".utf8) + Self.be32(40) + [200] + [UInt8](repeating: 20, count: 60)
        #expect(throws: SSHServerHello.Failure.self, "padding longer than the packet") { try SSHServerHello.parse(huge) }
        let cases: [[UInt8]] = [
            Self.hello(kex: ["curve25519-sha256\u{1b}[31m"]),
            Self.hello(kex: (0..<65).map { "k\($0)" }),
            Self.hello(kex: [String(repeating: "a", count: 65)]),
            Self.hello(kex: ["a", "", "b"]),
            Self.hello(banner: "SSH-1.5-old"),
            Self.hello(banner: "SSH-2.0-evil\u{7}bell"),
            Self.hello(before: (0..<20).map { "line \($0)" }),
            Array(String(repeating: "x", count: 300).utf8) + [10],
            [],
        ]
        for (i, c) in cases.enumerated() {
            #expect(throws: SSHServerHello.Failure.self, "case \(i)") { try SSHServerHello.parse(c) }
        }
        // A name-list length that runs past the packet into the padding.
        var overrun = Self.hello()
        let start = Array("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n".utf8).count + 4 + 1 + 1 + 16
        overrun.replaceSubrange(start..<start + 4, with: Self.be32(5000))
        #expect(throws: SSHServerHello.Failure.self) { try SSHServerHello.parse(overrun) }
    }

    @Test("the policy names each offender and why: SHA-1, CBC, small groups, NIST curves, DSA, short tags")
    func policy() throws {
        let h = try SSHServerHello.parse(Self.hello(
            kex: ["curve25519-sha256", "diffie-hellman-group14-sha256", "ecdh-sha2-nistp256", "diffie-hellman-group-exchange-sha1"],
            hostKeys: ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", "ssh-dss"],
            ciphers: ["aes128-ctr", "aes256-cbc", "3des-cbc"],
            macs: ["hmac-sha2-256-etm@openssh.com", "hmac-sha1", "umac-64-etm@openssh.com", "hmac-sha2-256"]))
        let o = SSHCryptoPolicy().offences(h).map { "\($0.kind) \($0.algorithm): \($0.why)" }
        #expect(o == [
            "key exchange diffie-hellman-group14-sha256: a small Diffie-Hellman group (under 3072 bits)",
            "key exchange ecdh-sha2-nistp256: a NIST curve",
            "key exchange diffie-hellman-group-exchange-sha1: SHA-1",
            "host key ecdsa-sha2-nistp256: a NIST curve",
            "host key ssh-rsa: SHA-1",
            "host key ssh-dss: DSA",
            "cipher aes256-cbc: CBC or a broken cipher",
            "cipher 3des-cbc: CBC or a broken cipher",
            "MAC hmac-sha1: SHA-1",
            "MAC umac-64-etm@openssh.com: a 64-bit or truncated tag",
            "MAC hmac-sha2-256: MAC-then-encrypt (not -etm)",
        ], "\(o)")
    }

    @Test("the ssh client's refusal: methods read, hostile text refused")
    func authAnswer() {
        #expect(SSHAuthMethods.parse("alice@192.0.2.2: Permission denied (publickey,password).\r\n") == ["publickey", "password"])
        #expect(SSHAuthMethods.parse("x: Permission denied (publickey).") == ["publickey"])
        #expect(SSHAuthMethods.parse("x: Permission denied (publickey,\u{1b}[2Jpassword).") == nil)
        #expect(SSHAuthMethods.parse("x: Permission denied (" + String(repeating: "a", count: 500)) == nil)
        #expect(SSHAuthMethods.parse("Connection refused") == nil)
        #expect(SSHAuthMethods.parse("x: Permission denied ().") == nil)
    }
}

@Suite("Port lists from the command line")
struct PortListTests {
    @Test("lists and ranges; duplicates once; anything else refused")
    func parse() {
        #expect(PortList.parse("22,80,1000-1002,80") == [22, 80, 1000, 1001, 1002])
        #expect(PortList.parse("") == [])
        #expect(PortList.parse("1-65535")?.count == 65535)
        for bad in ["0", "65536", "22,", ",22", "5-3", "1--2", "-5", "a", "22 ", "+22", "1e3", "99999999999999999999", "0x16", "1-2-3",
                    String(repeating: "1,", count: 40000)] {
            #expect(PortList.parse(bad) == nil, "\(bad.prefix(20))")
        }
    }
}

extension PortListTests {
    @Test("formatted back as ranges, and parsed back to the same ports")
    func format() {
        #expect(PortList.format([80, 22, 1000, 1001, 1002, 23, 65535]) == "22-23,80,1000-1002,65535")
        #expect(PortList.format([]) == "")
        let all = Array(1...65535)
        #expect(PortList.format(all) == "1-65535" && PortList.parse(PortList.format(all)) == all)
    }
}
