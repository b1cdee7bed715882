import Foundation
import Testing
import TestSupport
@testable import Spec

/// `security:` and `projects:`: defaults, what may be changed, and hostile values refused at
/// their line (an algorithm list goes into sshd_config, a mirror into apt's sources, a project
/// path into a root-owned folder).
@Suite("Security settings and projects in the spec")
struct SecuritySpecTests {
    @Test("a spec without `security:` gets the baseline's defaults")
    func defaults() throws {
        let text = try String(contentsOfFile: Repo.path("Tests/LabTests/lab-cluster.yaml"), encoding: .utf8)
        let spec = try #require(SpecLoader.load(bytes: Array(text.utf8)).spec)
        let s = spec.security
        #expect(s.ssh.kex.map(\.value) == SSHPolicy.defaultKex && s.ssh.macs.map(\.value) == SSHPolicy.defaultMACs)
        #expect(s.ssh.hostKeys.map(\.value) == [.ed25519] && s.ssh.maxAuthTries.value == 3 && s.ssh.maxSessions.value == 10)
        #expect(s.ssh.tcpForwarding.value && !s.ssh.agentForwarding.value && !s.ssh.x11Forwarding.value)
        #expect(s.homeMode.value == 0o700 && s.umask.value == 0o027)
        #expect(s.updates.securitySuite.value && s.updates.automatic.value && s.updates.securityMirror.value == UpdatesPolicy.debianSecurity)
        #expect(s.bruteForce.enabled.value && s.bruteForce.maxRetry.value == 5 && s.bruteForce.findTimeSeconds.value == 600
                && s.bruteForce.banTimeSeconds.value == 3600)
        #expect(spec.projects.map(\.name.value) == ["detection"] && spec.projects[0].path.value == "/srv/projects/detection")
        #expect(SpecLoader.load(bytes: Array(text.utf8)).diagnostics.filter { $0.severity == .error }.isEmpty)
    }

    @Test("the spec's settings replace the defaults")
    func overrides() throws {
        let (bytes, _) = try FreeTextTests.variant("ssh: { tcpForwarding: true, agentForwarding: false, x11Forwarding: false, maxSessions: 10 }",
            "ssh: { hostKeys: [ed25519, rsa], x11Forwarding: true, maxSessions: 20, macs: [hmac-sha2-512-etm@openssh.com] }")
        let loaded = SpecLoader.load(bytes: bytes)
        let spec = try #require(loaded.spec)
        #expect(loaded.isValid, "\(loaded.diagnostics.map(\.message))")
        #expect(spec.security.ssh.hostKeys.map(\.value) == [.ed25519, .rsa] && spec.security.ssh.x11Forwarding.value)
        #expect(spec.security.ssh.maxSessions.value == 20 && spec.security.ssh.macs.map(\.value) == ["hmac-sha2-512-etm@openssh.com"])
        #expect(spec.security.ssh.hostKeyAlgorithms.contains("rsa-sha2-512") && spec.security.ssh.kex.map(\.value) == SSHPolicy.defaultKex)
    }

    @Test("a weak algorithm is allowed but warned about, at its line")
    func weakWarned() throws {
        let (bytes, line) = try FreeTextTests.variant("ssh: { tcpForwarding: true", "ssh: { macs: [hmac-sha1, hmac-sha2-256-etm@openssh.com], tcpForwarding: true")
        let loaded = SpecLoader.load(bytes: bytes)
        let w = loaded.diagnostics.filter { $0.severity == .warning && $0.message.contains("hmac-sha1 is weak (SHA-1)") }
        #expect(loaded.isValid && w.count == 1 && w.first?.location.line == line, "\(loaded.diagnostics.map(\.message))")
    }

    static let hostile: [(field: String, old: String, new: String, says: String)] = [
        ("two algorithms in one entry", "ssh: { tcpForwarding: true", "ssh: { kex: [\"curve25519-sha256,diffie-hellman-group1-sha1\"], tcpForwarding: true",
         "not an OpenSSH algorithm name"),
        ("an sshd option after a MAC", "ssh: { tcpForwarding: true", "ssh: { macs: [\"hmac-sha2-256-etm@openssh.com\\nPermitRootLogin yes\"], tcpForwarding: true",
         "not an OpenSSH algorithm name"),
        ("an empty cipher list", "ssh: { tcpForwarding: true", "ssh: { ciphers: [], tcpForwarding: true", "security.ssh.ciphers is empty"),
        ("an unknown host key type", "ssh: { tcpForwarding: true", "ssh: { hostKeys: [ecdsa], tcpForwarding: true", "unknown value 'ecdsa'"),
        ("homes readable by all", "homeMode: \"0700\"", "homeMode: \"0755\"", "security.homeMode must be"),
        ("an apt line in the mirror", "updates: { securitySuite: true", "updates: { securityMirror: \"http://deb.example/ x main\\ndeb http://evil\", securitySuite: true",
         "not a plain http(s) URL"),
        ("a mirror that is not http", "updates: { securitySuite: true", "updates: { securityMirror: \"file:///etc\", securitySuite: true", "not a plain http(s) URL"),
        ("a ban time with a space", "banTime: 1h", "banTime: \"1 h\"", "must be a duration"),
        ("a ban time of a century", "banTime: 1h", "banTime: 36500d", "must be a duration"),
        ("a project member who is not a user", "members: [alice, bob]", "members: [alice, mallory]", "'mallory' is not a user"),
        ("a project gid of a user's group", "gid: 3001", "gid: 2002", "already user bob's group"),
        ("a project gid in the system range", "gid: 3001", "gid: 27", "system range"),
        ("a project folder in /etc", "members: [alice, bob] }", "members: [alice, bob], path: /etc/sudoers.d }", "inside the system folder /etc"),
        ("a project folder climbing out", "members: [alice, bob] }", "members: [alice, bob], path: /srv/projects/../../etc }", "must be an absolute folder"),
        ("a project folder in a home", "members: [alice, bob] }", "members: [alice, bob], path: /home/carol/shared }", "inside carol's home"),
        ("a project folder with a shell character", "members: [alice, bob] }", "members: [alice, bob], path: \"/srv/p;rm -rf\" }", "must be an absolute folder"),
        ("a project named like a user", "{ name: detection,", "{ name: carol,", "has the name of a user"),
        ("a project name that is no group name", "{ name: detection,", "{ name: \"Detection Team\",", "not a valid group name"),
    ]

    @Test("each hostile security or project value is refused at its line", arguments: 0..<hostile.count)
    func refused(_ i: Int) throws {
        let c = Self.hostile[i]
        let (bytes, line) = try FreeTextTests.variant(c.old, c.new)
        let loaded = SpecLoader.load(bytes: bytes)
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        let hit = errors.first { $0.message.contains(c.says) }
        #expect(!loaded.isValid && hit != nil, "\(c.field): no error saying '\(c.says)': \(errors.map(\.message))")
        #expect(hit?.location.line == line, "\(c.field): at \(hit.map { "\($0.location)" } ?? "-"), value on line \(line)")
    }

    @Test("a project folder under no NFS export is warned about (only the NFS server would have it)")
    func projectOutsideExports() throws {
        let (bytes, line) = try FreeTextTests.variant("members: [alice, bob] }", "members: [alice, bob], path: /data/detection }")
        let loaded = SpecLoader.load(bytes: bytes)
        let w = loaded.diagnostics.first { $0.message.contains("under no NFS export") }
        #expect(loaded.isValid && w?.severity == .warning && w?.location.line == line, "\(loaded.diagnostics.map(\.message))")
    }
}
