import Foundation
import Render
import Testing
import TestSupport

/// The generated firewall rules, loaded by the firewall role's own module (community.general.ufw)
/// into throw-away network namespaces (Tests/render/ufw_in_netns.sh), then probed with real
/// connections. Nothing touches this machine's firewall or leaves the namespaces.
@Suite("Firewall in a network namespace", .serialized,
       .enabled(if: getuid() == 0 && Tools.find("ufw") != nil && Tools.find("ip") != nil && Tools.find("unshare") != nil,
                "needs root, ufw, iproute2 and unshare (scripts/test installs them; CI runs as root)"))
struct FirewallNamespaceTests {
    static func probe(host: String, address: String, _ probes: [String], environment: [String: String] = [:]) throws -> [String: String] {
        let project = try RenderTests.tempDir()
        _ = try ProjectWriter.write(AnsibleProject.render(try RenderTests.example()), to: project)
        let r = try Tools.run(Tools.find("unshare") ?? "unshare",
                              ["--mount", "--propagation", "private", "bash", Repo.path("Tests/render/ufw_in_netns.sh"),
                               project, host, address, probes.joined(separator: " ")],
                              environment: environment, timeout: 300)
        #expect(r.status == 0, "ufw_in_netns.sh: \(r.error)")
        var out: [String: String] = [:]
        for line in r.output.split(separator: "\n") {
            let parts = line.components(separatedBy: ": ")
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    @Test("the backup server refuses the bastion even on SSH; other internal hosts reach SSH only")
    func backupServer() throws {
        let r = try Self.probe(host: "backup", address: "10.10.0.2/24", ["10.10.0.1:22", "10.10.0.11:22", "10.10.0.11:2049"])
        #expect(r == ["10.10.0.1 -> 22": "blocked", "10.10.0.11 -> 22": "open", "10.10.0.11 -> 2049": "blocked"], "\(r)")
    }

    @Test("a compute node (to-bastion-only) takes SSH and agent scrapes from the bastion, nothing from its peers")
    func computeNode() throws {
        let r = try Self.probe(host: "gpu01", address: "10.10.0.11/24",
                               ["10.10.0.1:22", "10.10.0.1:9855", "10.10.0.12:22", "10.10.0.12:9855", "10.10.0.1:8080"])
        #expect(r == ["10.10.0.1 -> 22": "open", "10.10.0.1 -> 9855": "open", "10.10.0.12 -> 22": "blocked",
                      "10.10.0.12 -> 9855": "blocked", "10.10.0.1 -> 8080": "blocked"], "\(r)")
    }

    /// A no-change apply skips every firewall change on the role's one read: it must say
    /// "in place" for exactly the spec's rules, and "not in place" for anything else, with
    /// the real `ufw status verbose` and `ufw show added` wording.
    @Test("the role's one read: in place for the spec's rules (and hand-added ones), not for a missing deny, a dropped rule of ours, or ufw off")
    func inPlace() throws {
        let r = try Self.probe(host: "gpu01", address: "10.10.0.11/24", [], environment: ["IN_PLACE": "1"])
        #expect(r == ["in place as loaded": "True",
                      "in place with a deny the host lacks": "False",
                      "in place with a rule added by hand": "True",
                      "in place with a rule of ours the spec dropped": "False",
                      "in place with ufw off": "False"], "\(r)")
    }
}
