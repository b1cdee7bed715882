import Foundation
import HostSystem
import Testing
import TestSupport

/// `gpucluster audit` against a real OpenSSH server in a network namespace, configured with the
/// drop-in `render` writes (filled by Ansible's template module) behind a Debian-like main
/// config, then changed by hand the ways real hosts drift.
@Suite("Audit: sshd as render makes it, and drifted", .serialized)
struct SSHAuditTests {
    static let spec = """
        cluster: { name: audit-test, domain: audit.internal, os: debian-12, timezone: UTC }
        networks:
          public: { cidr: 192.0.2.0/24 }
        hosts:
          - name: gate
            roles: [bastion]
            addresses: { public: 192.0.2.2 }
        admins: [alice]
        users:
          - { name: alice, uid: 2001, keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH alice@laptop"] }
        services:
          ssh: { tcp: [22], from: [public] }

        """

    struct Report: Decodable {
        struct F: Decodable { var host: String; var check: String; var subject: String; var status: String; var found: String; var fix: String? }
        var failed: Int
        var findings: [F]
    }

    /// A sshd in the target namespace: Debian's main config (Include first), the drop-in folder.
    final class SSHD: @unchecked Sendable {
        let dir: String
        let pair: NamespacePair
        var child: ChildProcess?
        var dropins: String { dir + "/sshd_config.d" }
        var main: String { dir + "/sshd_config" }

        init(dir: String, pair: NamespacePair) throws {
            self.dir = dir; self.pair = pair
            try FileManager.default.createDirectory(atPath: dropins, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            let keygen = try #require(Tools.find("ssh-keygen"))
            let k = try Tools.run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", dir + "/ssh_host_ed25519_key"])
            try #require(k.status == 0, "\(k.error)")
            // Debian 12's sshd_config, less its comments; the sshd role puts the Include first.
            try """
                Include \(dropins)/*.conf
                KbdInteractiveAuthentication no
                UsePAM yes
                X11Forwarding yes
                PrintMotd no
                AcceptEnv LANG LC_*
                Subsystem sftp /usr/lib/openssh/sftp-server
                PidFile \(dir)/sshd.pid

                """.write(toFile: main, atomically: true, encoding: .utf8)
        }

        func restart() throws {
            child?.stop()
            let sshd = try #require(Tools.find("sshd"))
            let t = try Tools.run(sshd, ["-t", "-f", main])
            try #require(t.status == 0, "sshd -t: \(t.error)")
            child = try pair.spawn(in: pair.target, [sshd, "-D", "-e", "-f", main])
            let up = (0..<100).contains { _ in
                if (try? pair.run(in: pair.scanner, ["/bin/bash", "-c", "exec 3<>/dev/tcp/\(pair.targetAddress)/22"], timeout: 5))?.succeeded == true { return true }
                Thread.sleep(forTimeInterval: 0.1)
                return false
            }
            try #require(up, "sshd did not start")
        }

        /// `sshd -T`: the values in effect.
        func effective(_ key: String) throws -> String? {
            let sshd = try #require(Tools.find("sshd"))
            let r = try Tools.run(sshd, ["-T", "-f", main, "-C", "user=alice,host=x,addr=192.0.2.1"])
            return r.output.split(separator: "\n").first { $0.hasPrefix(key.lowercased() + " ") }.map { String($0.dropFirst(key.count + 1)) }
        }

        func stop() { child?.stop(); child = nil }
        deinit { stop() }
    }

    static func audit(_ pair: NamespacePair, _ specPath: String, junit: String) throws -> (status: Int32, report: Report, text: String) {
        let r = try pair.run(in: pair.scanner, [Binary.gpucluster, "audit", specPath, "--json", "--junit", junit,
                                                       "--check", "ports", "--check", "ssh-algorithms", "--check", "ssh-auth"], timeout: 120)
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        return (r.exitCode ?? -1, report, r.stdout + r.stderr)
    }

    @Test("as rendered: audit passes; a 50-cloud-init.conf with passwords loses to the role's 00- file; read first it still loses to AuthenticationMethods; with that too, ssh-auth and ssh-algorithms fail naming what it turned on")
    func renderedAndDrifted() throws {
        guard getuid() == 0 else { print("skipped: network namespaces and sshd need root"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-ssh-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let specPath = dir + "/cluster.yaml"
        try Self.spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        let render = try Tools.run(Binary.gpucluster, ["render", specPath, "--output", dir + "/project", "--offline"])
        try #require(render.status == 0, "\(render.error)")

        let pair = try NamespacePair()
        defer { pair.remove() }
        let sshd = try SSHD(dir: dir, pair: pair)
        defer { sshd.stop() }
        try AnsibleTemplate.fill(dir + "/project/roles/sshd/templates/00-gpucluster.conf.j2", into: sshd.dropins + "/00-gpucluster.conf",
                                 vars: [dir + "/project/inventory/group_vars/all.yml", dir + "/project/roles/sshd/defaults/main.yml"],
                                 overrides: ["sshd_host_keys": [dir + "/ssh_host_ed25519_key"]], work: dir)
        try sshd.restart()

        // (a) As render makes it.
        let a = try Self.audit(pair, specPath, junit: dir + "/a.xml")
        #expect(a.status == 0 && a.report.failed == 0, "the rendered sshd passes: \(a.text)")
        let checks = Set(a.report.findings.map(\.check))
        #expect(checks == ["ports", "ssh-algorithms", "ssh-auth"], "every check asked for ran: \(checks)")
        #expect(a.report.findings.filter { $0.check == "ssh-auth" }.count == 3, "alice, root and a user that does not exist")
        let junitA = try String(contentsOfFile: dir + "/a.xml", encoding: .utf8)
        #expect(junitA.contains("failures=\"0\"") && !junitA.contains("<failure"))

        // (b) cloud-init's drop-in turns passwords on, but sshd keeps the first value it reads: ours.
        try "PasswordAuthentication yes\n".write(toFile: sshd.dropins + "/50-cloud-init.conf", atomically: true, encoding: .utf8)
        try sshd.restart()
        #expect(try sshd.effective("PasswordAuthentication") == "no", "the role's 00-gpucluster.conf wins over 50-cloud-init.conf")
        let b = try Self.audit(pair, specPath, junit: dir + "/b.xml")
        #expect(b.status == 0 && b.report.failed == 0, "still publickey only: \(b.text)")

        // (c) The same drop-in where it is read first (a name sorting before ours): PasswordAuthentication
        // is on, yet the role's `AuthenticationMethods publickey` still holds: the server offers publickey only.
        try FileManager.default.moveItem(atPath: sshd.dropins + "/50-cloud-init.conf", toPath: sshd.dropins + "/00-cloud-init.conf")
        try sshd.restart()
        #expect(try sshd.effective("PasswordAuthentication") == "yes")
        let c1 = try Self.audit(pair, specPath, junit: dir + "/c1.xml")
        #expect(c1.status == 0, "AuthenticationMethods publickey still rules what is offered: \(c1.text)")

        // (d) Read first and also `AuthenticationMethods any`, plus a SHA-1 MAC: passwords are offered.
        try "PasswordAuthentication yes\nAuthenticationMethods any\n".write(toFile: sshd.dropins + "/00-cloud-init.conf", atomically: true, encoding: .utf8)
        try "MACs hmac-sha1,hmac-sha2-256-etm@openssh.com\n".write(toFile: sshd.dropins + "/00-compat.conf", atomically: true, encoding: .utf8)
        try sshd.restart()
        let c = try Self.audit(pair, specPath, junit: dir + "/c.xml")
        #expect(c.status == 1, "audit exits 1 on a failure")
        let auth = c.report.findings.filter { $0.check == "ssh-auth" && $0.status == "fail" }
        #expect(auth.count == 3 && auth.allSatisfy { $0.found.contains("password") && ($0.fix ?? "").contains("PasswordAuthentication yes is in effect") },
                "password offered, named: \(auth)")
        let algos = c.report.findings.filter { $0.check == "ssh-algorithms" && $0.status == "fail" }
        #expect(algos.count == 1 && algos.first?.found.contains("MAC hmac-sha1 (SHA-1)") == true, "the SHA-1 MAC named: \(algos)")
        #expect(c.report.findings.filter { $0.check == "ports" }.allSatisfy { $0.status == "pass" }, "the ports did not change")
        let junitC = try String(contentsOfFile: dir + "/c.xml", encoding: .utf8)
        #expect(junitC.contains("failures=\"4\"") && junitC.components(separatedBy: "<failure ").count == 5, "\(junitC)")
    }
}
