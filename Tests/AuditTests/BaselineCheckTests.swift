import Foundation
@testable import Audit
import Probe
import Spec
import Testing
import TestSupport

/// The hardening baseline's host checks (homes, updates, brute-force, kernel) on canned answers
/// of the real commands, and on hostile ones: a host's output is outside input.
@Suite("Baseline checks: homes, updates, fail2ban, kernel")
struct BaselineCheckTests {
    static func run(_ check: String, on host: String, _ shells: [String: String]) async throws -> [Finding] {
        var table = AuditPolicyTests.Table()
        table.shells = shells
        let spec = try AuditPolicyTests.example()
        let context = AuditContext(spec: spec, vantage: try #require(IPv4("10.10.0.1")), hosts: [host], probing: table)
        return await AuditChecks.run(context, only: [check])
    }

    @Test("homes: private homes pass; a readable home, a wrong owner and a project folder open to others fail; garbage ignored")
    func homes() async throws {
        let good = """
            /home/alice 700 alice alice directory
            /home/bob 700 bob bob directory
            /home/carol 750 carol carol directory
            /srv/projects/detection 2770 root detection directory
            """
        let ok = try await Self.run("homes", on: "bastion", ["stat -c": good])
        #expect(ok.map(\.status) == [.fail, .pass], "carol's 0750 is more than the example's 0700: \(ok)")
        let strict = good.replacingOccurrences(of: "/home/carol 750", with: "/home/carol 700")
        let pass = try await Self.run("homes", on: "bastion", ["stat -c": strict])
        #expect(pass.allSatisfy { $0.status == .pass } && pass.count == 2, "\(pass)")
        let bad = strict.replacingOccurrences(of: "/home/bob 700 bob", with: "/home/bob 755 mallory")
            .replacingOccurrences(of: "2770 root detection", with: "2775 root detection") + "\n\u{1b}[2J garbage\n/home/alice notoctal x y z"
        let f = try await Self.run("homes", on: "bastion", ["stat -c": bad])
        #expect(f.first?.status == .fail && f.first?.found == "/home/bob 755 mallory", "\(f)")
        #expect(f.last?.status == .fail && f.last?.found.contains("2775") == true, "\(f)")
        let missing = try await Self.run("homes", on: "bastion", ["stat -c": "/home/alice 700 alice alice directory"])
        #expect(missing.last?.found == "missing", "a project folder that is not there: \(missing)")
        // gpu01 holds no project folder: only the homes are judged.
        let compute = try await Self.run("homes", on: "gpu01", ["stat -c": strict])
        #expect(compute.count == 1 && compute[0].status == .pass)
    }

    @Test("updates: the security origin only and daily runs pass; another origin, no runs or no state file fail")
    func updates() async throws {
        let config = """
            Unattended-Upgrade::Origins-Pattern "";
            Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=bookworm-security,label=Debian-Security";
            Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=bookworm,label=Debian-Security";
            APT::Periodic::Unattended-Upgrade "1";
            """
        let state = "version 1\nchecked 1764000000\npending 4\nsecurity 2\nreboot 1\nservices 0\nreboot_packages linux-image-6.1.0-99-amd64\n"
        let ok = try await Self.run("updates", on: "gpu01", ["apt-config dump": config + "\n--- state\n" + state])
        #expect(ok.map(\.status) == [.pass, .pass], "\(ok)")
        #expect(ok.last?.found == "reboot required (linux-image-6.1.0-99-amd64) · 4 updates, 2 security", "\(ok)")
        let wide = config + "\nUnattended-Upgrade::Origins-Pattern:: \"origin=*\";"
        let f = try await Self.run("updates", on: "gpu01", ["apt-config dump": wide.replacingOccurrences(of: "\"1\";", with: "\"0\";") + "\n--- state\n"])
        #expect(f.first?.status == .fail && f.first?.found.contains("1 other origins") == true && f.first?.found.contains("daily runs off") == true, "\(f)")
        #expect(f.last?.status == .fail && f.last?.found == "no state file")
    }

    @Test("brute-force: the sshd jail running and the admin networks never banned, on the bastion only")
    func bruteForce() async throws {
        let status = "Status for the jail: sshd\n|- Filter\n|  `- Currently failed: 0\n`- Actions\n   `- Banned IP list:\n"
        let ok = try await Self.run("brute-force", on: "bastion", ["fail2ban-client status": status + "--- ignore\nThese IP addresses/networks are ignored:\n|- 127.0.0.0/8\n`- 203.0.113.0/28\n"])
        #expect(ok.count == 1 && ok[0].status == .pass, "the example's admins log in from public (203.0.113.0/28): \(ok)")
        let exposed = try await Self.run("brute-force", on: "bastion", ["fail2ban-client status": status + "--- ignore\n`- 127.0.0.0/8\n"])
        #expect(exposed.first?.status == .fail && exposed.first?.found.contains("would ban 203.0.113.0/28") == true, "\(exposed)")
        let down = try await Self.run("brute-force", on: "bastion", ["fail2ban-client status": "ERROR   Failed to access socket path\n--- ignore\n"])
        #expect(down.first?.status == .fail && down.first?.found.hasPrefix("not running") == true)
        let compute = try await Self.run("brute-force", on: "gpu01", ["fail2ban-client status": status])
        #expect(compute.isEmpty, "no jail expected on a compute host: \(compute)")
    }

    @Test("kernel: the baseline read back passes; a value reverted fails naming it; a container skips the kernel's own values")
    func kernel() async throws {
        func answer(container: Bool, override: [String: String] = [:]) -> String {
            var out = container ? "container yes\n" : "container no\n"
            for (k, v) in KernelBaseline.net + KernelBaseline.kernel { out += "\(k) \(override[k] ?? String(v))\n" }
            out += "--- modprobe\n" + KernelBaseline.blockedModules.map { "install \($0) /bin/false" }.joined(separator: "\n") + "\n"
            return out
        }
        let ok = try await Self.run("kernel", on: "gpu01", ["for k in": answer(container: false)])
        #expect(ok.map(\.status) == [.pass, .pass, .pass], "\(ok)")
        let inBox = try await Self.run("kernel", on: "gpu01", ["for k in": answer(container: true, override: ["kernel.kptr_restrict": "0"])])
        #expect(inBox.map(\.status) == [.pass, .skipped, .pass], "\(inBox)")
        let reverted = try await Self.run("kernel", on: "gpu01", ["for k in": answer(container: false, override: ["net.ipv4.conf.all.accept_redirects": "1", "fs.suid_dumpable": ""])
                                                            .replacingOccurrences(of: "install sctp /bin/false\n", with: "")])
        #expect(reverted.map(\.status) == [.fail, .fail, .fail], "\(reverted)")
        #expect(reverted[0].found.contains("net.ipv4.conf.all.accept_redirects 1 (want 0)") && reverted[2].found == "loadable: sctp", "\(reverted)")
    }
}
