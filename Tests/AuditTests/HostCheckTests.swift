import Foundation
@testable import Audit
import Probe
import Spec
import Testing
import TestSupport

/// The host checks' verdicts on what a host answers (canned outputs of the real commands, and
/// hostile ones: a host's own output is outside input too).
@Suite("Host checks: verdicts on what the host says")
struct HostCheckTests {
    static func run(_ check: String, _ shells: [String: String]) async throws -> [Finding] {
        var table = AuditPolicyTests.Table()
        table.shells = shells
        let spec = try AuditPolicyTests.example()
        let context = AuditContext(spec: spec, vantage: try #require(IPv4("10.10.0.1")), hosts: ["gpu01"], probing: table)
        return await AuditChecks.run(context, only: [check])
    }

    static let sshdT = """
        passwordauthentication no
        kbdinteractiveauthentication no
        permitemptypasswords no
        pubkeyauthentication yes
        authenticationmethods publickey
        permitrootlogin without-password
        x11forwarding no
        allowagentforwarding no
        allowtcpforwarding yes
        maxauthtries 3
        maxsessions 10
        loglevel VERBOSE
        kexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org
        ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
        macs hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com
        """

    @Test("sshd -T as the baseline passes; a value turned on elsewhere fails, naming the file and line that set it")
    func sshdConfig() async throws {
        let ok = try await Self.run("sshd-config", ["sshd -T": Self.sshdT + "\n--- set by\n/etc/ssh/sshd_config:62:KbdInteractiveAuthentication no\n"])
        #expect(ok.count == 1 && ok[0].status == .pass, "\(ok)")
        let drifted = Self.sshdT.replacingOccurrences(of: "passwordauthentication no", with: "passwordauthentication yes")
        let bad = try await Self.run("sshd-config", ["sshd -T": drifted + "\n--- set by\n/etc/ssh/sshd_config.d/00-cloud-init.conf:1:PasswordAuthentication yes\n/etc/ssh/sshd_config:62:KbdInteractiveAuthentication no\n"])
        #expect(bad.first?.status == .fail && bad.first?.found == "passwordauthentication yes")
        #expect(bad.first?.fix?.contains("00-cloud-init.conf:1:PasswordAuthentication yes") == true && bad.first?.fix?.contains("sshd_config:62") == false,
                "only the line that set the wrong value: \(bad)")
        let empty = try await Self.run("sshd-config", ["sshd -T": "\u{1b}[2J garbage"])
        #expect(empty.first?.status == .fail)
    }

    @Test("accounts: uids as the spec, a missing user, a wrong uid, an extra login shell; hostile lines ignored")
    func accounts() async throws {
        let passwd = """
            root:x:0:0:root:/root:/bin/bash
            sync:x:4:65534:sync:/bin:/bin/sync
            alice:x:2001:2001::/home/alice:/bin/bash
            bob:x:2002:2002::/home/bob:/bin/bash
            carol:x:2013:2003::/home/carol:/bin/bash
            mallory:x:1500:1500::/home/mallory:/bin/bash
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            broken:line
            toor:x:0:0::/root:/bin/sh
            """
        let f = try await Self.run("accounts", ["getent passwd": passwd])
        let fails = f.filter { $0.status == .fail }.map { "\($0.subject): \($0.found)" }
        #expect(fails == ["account carol: uid 2013, gid 2003", "accounts that can log in: mallory, toor"], "\(fails)")
    }

    @Test("sudo: visudo fails, a user with sudo, a service account with a wildcard")
    func sudo() async throws {
        let out = """
            visudo 1
            === alice
            User alice may run the following commands on gpu01:
                (ALL) NOPASSWD: ALL
            === bob
            User bob may run the following commands on gpu01:
                (ALL : ALL) ALL
            === carol
            User carol is not allowed to run sudo on gpu01.
            """
        let f = try await Self.run("sudo", ["visudo -c": out])
        let fails = f.filter { $0.status == .fail }.map(\.subject)
        #expect(fails == ["visudo -c", "sudo for bob"], "\(fails)")
    }

    @Test("listening sockets: the spec's pass, loopback passes, a stray one fails with its process; hostile lines ignored")
    func listening() async throws {
        let ss = """
            tcp   LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=41,fd=3))
            tcp   LISTEN 0      1024      10.10.0.11:9855      0.0.0.0:*    users:(("systemd",pid=1,fd=43))
            tcp   LISTEN 0      4096      10.10.0.11:9100      0.0.0.0:*    users:(("prometheus-node",pid=1475,fd=3))
            tcp   LISTEN 0      4096       127.0.0.1:9090      0.0.0.0:*    users:(("prometheus",pid=9,fd=3))
            tcp   LISTEN 0      4096           [::1]:631          [::]:*    users:(("cupsd",pid=9,fd=3))
            tcp   LISTEN 0      5            0.0.0.0:8888      0.0.0.0:*    users:(("jupyter-lab\u{1b}[31m",pid=77,fd=5))
            udp   UNCONN 0      0            0.0.0.0:111       0.0.0.0:*    users:(("rpcbind",pid=33,fd=5))
            tcp   LISTEN 0      128             [::]:22           [::]:*    users:(("sshd",pid=41,fd=4))
            tcp LISTEN nonsense
            tcp   LISTEN 0      5            0.0.0.0:99999999999999999999 0.0.0.0:*
            """
        let f = try await Self.run("listening", ["ss -Hltnup": ss])
        let fails = f.filter { $0.status == .fail }.map(\.subject)
        #expect(fails.count == 2 && fails.contains("8888/tcp listening on 0.0.0.0 (jupyter-lab\u{1b}[31m)") && fails.contains("111/udp listening on 0.0.0.0 (rpcbind)"),
                "\(fails)")
        #expect(!AuditReport.table(f).contains("\u{1b}"), "a process name's escape codes are not printed raw")
    }

    @Test("no admin login: a failure that says how to give one, never a silent pass")
    func noLogin() async throws {
        let f = try await Self.run("accounts", [:])
        #expect(f.count == 1 && f[0].status == .fail && f[0].subject.hasPrefix("admin login over SSH") && f[0].fix?.contains("--ssh-config") == true)
    }
}

extension HostCheckTests {
    @Test("exportfs -v: as the spec passes; an extra client and a missing option fail; a kernel without nfsd is skipped with the reason")
    func nfsExports() async throws {
        var table = AuditPolicyTests.Table()
        let spec = try AuditPolicyTests.example()
        func run(_ out: String) async throws -> [Finding] {
            table.shells = ["exportfs -v": out]
            let context = AuditContext(spec: spec, vantage: try #require(IPv4("10.10.0.1")), hosts: ["bastion"], probing: table)
            return await AuditChecks.run(context, only: ["nfs-exports"])
        }
        let good = try await run("kernel nfsd\nactive\n/home         \t10.10.0.0/24(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n"
                                 + "/srv/projects \t10.10.0.0/24(sync,wdelay,hide,no_subtree_check,sec=sys,rw,secure,root_squash,no_all_squash)\n")
        #expect(good.count == 2 && good.allSatisfy { $0.status == .pass }, "one finding per export: \(good)")
        let long = try await run("kernel nfsd\nactive\n/home\n\t\t10.10.0.0/24(sync,rw,root_squash,no_subtree_check)\n/home\n\t\t<world>(rw,no_root_squash)\n/home 203.0.113.0/28(rw)\n")
        #expect(long.first?.status == .fail && long.first?.found.contains("also to 203.0.113.0/28") == true && long.first?.found.contains("also to <world>") == true,
                "\(long)")
        let none = try await run("kernel none\ninactive\n")
        #expect(none.first?.status == .skipped && none.first?.fix == "this kernel has no NFS server (nfsd)")
        let down = try await run("kernel nfsd\nfailed\n")
        #expect(down.first?.status == .fail)
    }
}

extension HostCheckTests {
    @Test("the bastion and the backup server (the example keeps them apart): a TCP connect that gets through, a key the server accepts, each named")
    func backupIsolation() async throws {
        var table = AuditPolicyTests.Table()
        let spec = try AuditPolicyTests.example()
        func run(_ shells: [String: String], _ check: String) async throws -> [Finding] {
            table.shells = shells
            let context = AuditContext(spec: spec, vantage: try #require(IPv4("10.10.0.1")), probing: table)
            return await AuditChecks.run(context, only: [check])
        }
        let refused = try await run(["/dev/tcp/10.10.0.2/22": "connect 1\n"], "backup-isolation")
        #expect(refused.count == 1 && refused[0].status == .pass && refused[0].host == "bastion", "\(refused)")
        let reached = try await run(["/dev/tcp/10.10.0.2/22": "connect 0\n"], "backup-isolation")
        #expect(reached.first?.status == .fail && reached.first?.found == "reached")

        let blob = "AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH"
        let held = "/root/.ssh/id_ed25519 \(blob)\n/root/.ssh/id_ed25519.pub \(blob)\n/home/bob/.ssh/other.pub AAAAother\n\u{1b}[2J junk line here\n"
        let keys = try await run(["ssh-keygen -y": held, "authorized_keys": "backup-reader \(blob)\nroot AAAAnotheld\n"], "backup-keys")
        #expect(keys.first?.status == .fail && keys.first?.found == "/root/.ssh/id_ed25519 (accepted for backup-reader)", "\(keys)")
        let none = try await run(["ssh-keygen -y": "/root/.ssh/id_ed25519 AAAAmine\n", "authorized_keys": "root AAAAtheirs\n"], "backup-keys")
        #expect(none.first?.status == .pass)
    }
}

extension HostCheckTests {
    @Test("a remote host's scan answer: unknown states, non-numeric and out-of-range ports dropped, never trapped on")
    func remoteScanAnswer() {
        let states = RemoteProbing.states(["22": "open", "23": "OPEN", "x": "open", "99999999999999999999": "closed", "-1": "filtered",
                                           "111": "open|filtered", "25": "closed\u{1b}[31m"])
        #expect(states[22] == .open && states[111] == .openFiltered && states[23] == nil && states[25] == nil, "\(states)")
        #expect(states[-1] == nil && states.count == 2, "ports outside 1…65535 are dropped")
    }
}
