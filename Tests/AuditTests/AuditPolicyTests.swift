import Foundation
@testable import Audit
import Probe
import Spec
import Testing
import TestSupport

/// What the audit expects, per vantage point, from the example spec (no packet is sent: the
/// probes are a fake that answers from a table), and how each answer is judged and reported.
@Suite("Audit expectations and verdicts")
struct AuditPolicyTests {
    static func example() throws -> ClusterSpec {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Repo.path("examples/cluster.yaml"))))
        return try #require(SpecLoader.load(bytes: bytes).spec)
    }

    static func expect(_ plan: [PortExpectation], _ host: String, _ port: Int, _ proto: AcceptRule.Proto = .tcp) -> PortExpectation.Expect? {
        plan.first { $0.host == host && $0.port == port && $0.proto == proto }?.expect
    }

    @Test("from the public network: only the bastion's public address; SSH must answer, the dashboard may, NFS, syslog, the agent and the exporter must not")
    func fromOutside() throws {
        let spec = try Self.example()
        let plan = PortExpectations.plan(spec, from: try #require(IPv4("203.0.113.9")))
        #expect(Set(plan.map(\.address)) == ["203.0.113.5"], "only public addresses are reachable from outside")
        #expect(Self.expect(plan, "bastion", 22) == .open)
        #expect(Self.expect(plan, "bastion", 8080) == .allowed)
        for port in [2049, 514, 9855, 9100, 111, 9090, 9093, 9094] { #expect(Self.expect(plan, "bastion", port) == .shut, "\(port)") }
        #expect(Self.expect(plan, "bastion", 2049, .udp) == .shut)
    }

    @Test("from a compute host: the bastion's SSH and NFS admitted, another compute host's SSH shut (to-bastion-only), the backup server's SSH per the spec")
    func fromCompute() throws {
        let spec = try Self.example()
        let plan = PortExpectations.plan(spec, from: try #require(IPv4("10.10.0.11")))
        #expect(!plan.contains { $0.host == "gpu01" }, "a host does not audit itself")
        #expect(Self.expect(plan, "bastion", 22) == .open && Self.expect(plan, "bastion", 2049) == .allowed)
        #expect(Self.expect(plan, "gpu02", 22) == .shut, "compute ↔ compute is closed")
        #expect(Self.expect(plan, "gpu02", 9855) == .shut, "only the monitor scrapes agents")
    }

    @Test("from the bastion: the backup server's SSH is shut (the bastion must never reach it); agents and exporters admitted (it is the monitor)")
    func fromBastion() throws {
        let spec = try Self.example()
        let plan = PortExpectations.plan(spec, from: try #require(IPv4("10.10.0.1")))
        #expect(Self.expect(plan, "backup", 22) == .shut)
        #expect(Self.expect(plan, "gpu01", 9855) == .allowed && Self.expect(plan, "gpu01", 9100) == .allowed)
        #expect(Self.expect(plan, "gpu01", 22) == .open)
    }

    /// Probes that answer from a table (every port not listed is filtered).
    struct Table: Probing {
        var tcp: [String: [Int: PortState]] = [:]
        var methods: [String] = ["publickey"]
        var hello = SSHServerHello(banner: "SSH-2.0-OpenSSH_9.2p1", kex: ["curve25519-sha256"], hostKeys: ["ssh-ed25519"],
                                   ciphers: ["aes128-ctr"], macs: ["hmac-sha2-256-etm@openssh.com"], compression: ["none"])
        func tcp(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void) throws -> [Int: PortState] {
            Dictionary(uniqueKeysWithValues: ports.map { ($0, tcp[address]?[$0] ?? .filtered) })
        }
        func udp(_ address: String, ports: [Int]) -> [Int: PortState] { Dictionary(uniqueKeysWithValues: ports.map { ($0, .openFiltered) }) }
        func sshHello(_ address: String, port: Int) throws -> SSHServerHello { hello }
        func sshMethods(_ address: String, port: Int, user: String) -> SSHAuthMethods.Answer { .init(user: user, methods: methods) }
        var shells: [String: String] = [:]
        /// A command's output: the first entry whose key the command contains.
        func shell(_ address: String, _ command: String) -> ShellResult {
            guard let hit = shells.first(where: { command.contains($0.key) }) else { return ShellResult(status: 255, stdout: "", stderr: "Permission denied (publickey).") }
            return ShellResult(status: 0, stdout: hit.value, stderr: "")
        }
        func finish() {}
    }

    @Test("an unlisted listener, NFS open to the outside, SSH down, a spec port dropped: each a failure saying expected, found and the fix")
    func verdicts() async throws {
        let spec = try Self.example()
        var table = Table()
        table.tcp["203.0.113.5"] = [22: .closed, 2049: .open, 6006: .open, 8080: .filtered]
        let context = AuditContext(spec: spec, vantage: try #require(IPv4("203.0.113.9")), probing: table)
        let findings = await AuditChecks.run(context, only: ["ports"])
        let fails = Dictionary(uniqueKeysWithValues: findings.filter { $0.status == .fail }.map { ($0.subject, $0) })
        #expect(Set(fails.keys) == ["22/tcp on 203.0.113.5 (ssh)", "2049/tcp on 203.0.113.5 (nfs)", "6006/tcp on 203.0.113.5", "8080/tcp on 203.0.113.5 (dashboard)"],
                "\(fails.keys.sorted())")
        #expect(fails["2049/tcp on 203.0.113.5 (nfs)"]?.expected.contains("the spec admits internal (10.10.0.0/24)") == true)
        #expect(fails["6006/tcp on 203.0.113.5"]?.fix?.contains("nothing in cluster.yaml uses this port") == true)
        #expect(fails["8080/tcp on 203.0.113.5 (dashboard)"]?.fix?.contains("the firewall drops a port the spec opens") == true)
        #expect(findings.contains { $0.status == .pass && $0.subject == "tcp on 203.0.113.5" && $0.found.hasSuffix("ports shut") })
    }

    @Test("the JUnit report is well-formed XML whatever the strings hold; the table escapes terminal controls")
    func reports() throws {
        let nasty = "a<b>&\"c'\u{1b}[31m\u{0}\u{7}\u{202e}"
        let findings = [Finding(host: "gate", check: "ssh-auth", subject: nasty, status: .fail, expected: nasty, found: nasty, fix: nasty),
                        Finding(host: nasty, check: "ports", subject: "22/tcp", status: .pass, expected: "open", found: "open"),
                        Finding(host: "gate", check: "ports", subject: "x", status: .skipped, expected: "x", found: "x", fix: "no route")]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("junit-\(UUID().uuidString).xml").path
        try AuditReport.junit(findings).write(toFile: dir, atomically: true, encoding: .utf8)
        let python = try #require(Tools.find("python3"))
        let r = try Tools.run(python, ["-c", "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); print(len(d.getElementsByTagName('failure')), len(d.getElementsByTagName('skipped')))", dir])
        #expect(r.status == 0 && r.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1 1", "parsed by a real XML parser: \(r.output) \(r.error)")
        let table = AuditReport.table(findings)
        #expect(!table.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0 || $0.value == 7 || $0.value == 0x202e }, "no raw controls: \(table)")
        #expect(table.contains("1 passed, 1 failed, 1 skipped"))
        let json = try JSONSerialization.jsonObject(with: Data(AuditReport.json(findings).utf8)) as? [String: Any]
        #expect(json?["failed"] as? Int == 1)
    }
}
