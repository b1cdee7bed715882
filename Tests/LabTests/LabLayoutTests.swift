@testable import HostSystem
import Foundation
@testable import Lab
import Spec
import Testing
import TestSupport

/// The lab's network plan, without root: names, addresses, and that nothing it does touches the
/// machine's own network namespace or gives a lab namespace a way out.
@Suite("Lab layout")
struct LabLayoutTests {
    static func layout(_ path: String = "Tests/LabTests/lab-cluster.yaml") throws -> LabLayout {
        let loaded = SpecLoader.load(bytes: try Repo.bytes(path))
        return LabLayout(spec: try #require(loaded.spec, "spec did not load: \(loaded.diagnostics)"))
    }

    @Test("one namespace per host, the spec's own addresses with their prefix, outside on the public network")
    func names() throws {
        let l = try Self.layout()
        #expect(l.hosts.map(\.namespace) == ["gcl-bastion", "gcl-gpu01", "gcl-gpu02", "gcl-backup"])
        #expect(l.bastion?.name == "bastion")
        #expect(l.node(named: "bastion")?.links.map(\.address) == ["203.0.113.5/28", "10.10.0.1/24"])
        #expect(l.node(named: "gpu01")?.managementAddress == "10.10.0.11")
        #expect(l.node(named: "gpu01")?.gpus == 4)
        // The highest usable public address no host uses.
        #expect(l.outside?.links.map(\.address) == ["203.0.113.14/28"])
        #expect(l.bridges.map(\.network) == ["public", "internal"])
        #expect(Set(l.addresses).count == l.addresses.count, "an address twice: \(l.addresses)")
    }

    @Test("every command works inside lab namespaces: none in the machine's own, no routes, no default route")
    func safety() throws {
        let l = try Self.layout()
        for c in l.upCommands + l.downCommands {
            #expect(c.first == "ip")
            let insideNamespace = c.count > 2 && c[1] == "-n" && c[2].hasPrefix(LabLayout.prefix)
            let namespaceItself = c.count == 4 && c[1] == "netns" && ["add", "delete"].contains(c[2]) && c[3].hasPrefix(LabLayout.prefix)
            #expect(insideNamespace || namespaceItself, "touches the machine's own namespace: \(c.joined(separator: " "))")
            #expect(!c.contains("route") && !c.contains("default"), "a route: \(c.joined(separator: " "))")
        }
        // Every veth is born in the switch namespace with its peer put straight into the host's.
        let veths = l.upCommands.filter { $0.contains("veth") }
        #expect(veths.count == l.nodes.map(\.links.count).reduce(0, +))
        #expect(veths.allSatisfy { $0[2] == LabLayout.switchNamespace && $0.contains("netns") })
        // Interface names fit Linux's 15 bytes.
        for n in l.nodes { for link in n.links { #expect(link.inside.utf8.count <= 15 && link.switchSide.utf8.count <= 15) } }
        // Down deletes every namespace up made.
        #expect(Set(l.downCommands.map { $0[3] }) == Set(l.namespaces))
    }

    @Test("the example spec (5 hosts) lays out too, and a public network full of hosts gets no outside")
    func example() throws {
        let l = try Self.layout("examples/cluster.yaml")
        #expect(l.hosts.count == 5 && l.outside != nil)
        let full = """
        cluster: { name: tiny }
        networks:
          public: { cidr: 203.0.113.0/30 }
          internal: { cidr: 10.1.0.0/24 }
        hosts:
          - { name: bastion, roles: [bastion], addresses: { public: 203.0.113.1, internal: 10.1.0.1 } }
          - { name: gpu01, roles: [compute], addresses: { public: 203.0.113.2, internal: 10.1.0.2 } }
        admins: [alice]
        users: [ { name: alice, uid: 2001, keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH a@b"] } ]
        services: { ssh: { tcp: [22], from: [public, internal] } }
        """
        let spec = try #require(SpecLoader.load(text: full).spec)
        #expect(LabLayout(spec: spec).outside == nil)
    }
}

/// A shell that answers `ip -o -4 addr show` with given addresses and records the rest.
final class FakeShell: LabShell, @unchecked Sendable {
    let addresses: [String]
    var ran: [[String]] = []
    init(addresses: [String]) { self.addresses = addresses }
    func run(_ argv: [String], timeout: Duration) throws -> CommandRunner.Output {
        ran.append(argv)
        let out = argv.starts(with: ["ip", "-o", "-4", "addr", "show"])
            ? addresses.enumerated().map { "\($0.offset + 1): eth\($0.offset)    inet \($0.element)/24 brd 10.255.255.255 scope global eth\($0.offset)" }.joined(separator: "\n")
            : ""
        return CommandRunner.Output(exitCode: 0, signal: nil, stdout: out, stderr: "", timedOut: false)
    }
}

@Suite("Lab refusals")
struct LabRefusalTests {
    @Test("a spec address already on this machine is refused before anything is built")
    func collision() throws {
        let spec = try #require(SpecLoader.load(bytes: try Repo.bytes("Tests/LabTests/lab-cluster.yaml")).spec)
        let shell = FakeShell(addresses: ["192.0.2.2", "10.10.0.11"])
        let lab = Lab(paths: LabPaths(state: "/nonexistent/state", cache: "/nonexistent/cache"), shell: shell)
        #expect(throws: LabError.self) { try lab.refuseCollisions(LabLayout(spec: spec)) }
        do { try lab.refuseCollisions(LabLayout(spec: spec)) } catch {
            #expect("\(error)".contains("10.10.0.11") && "\(error)".contains("already on this machine"))
        }
        #expect(shell.ran.allSatisfy { $0.starts(with: ["ip", "-o", "-4", "addr", "show"]) }, "it built something: \(shell.ran)")
        let clean = Lab(paths: LabPaths(state: "/nonexistent/state"), shell: FakeShell(addresses: ["192.0.2.2"]))
        try clean.refuseCollisions(LabLayout(spec: spec))
    }

    @Test("no lab, unknown or hostile host names, a bad spec: clear errors, exit 1, nothing touched")
    func badInput() throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("lab-refusals-\(UUID().uuidString)").path
        let bin = Binary.gpucluster
        let status = try Tools.run(bin, ["lab", "status", "--state-dir", state])
        #expect(status.status == 1 && status.error.contains("no lab is up"), "\(status.error)")
        let exec = try Tools.run(bin, ["lab", "exec", "--state-dir", state, "../../etc", "--", "true"])
        #expect(exec.status == 1 && exec.error.contains("no lab is up"), "\(exec.error)")
        let ssh = try Tools.run(bin, ["lab", "ssh", "--state-dir", state, "$(reboot)"])
        #expect(ssh.status == 1, "\(ssh.error)")
        let admin = try Tools.run(bin, ["lab", "admin", "--state-dir", state])
        #expect(admin.status != 0 && admin.error.contains("give the command after --"), "\(admin.error)")
        let missing = try Tools.run(bin, ["lab", "up", "/nonexistent/cluster.yaml", "--state-dir", state])
        #expect(missing.status == 1 && missing.error.contains("/nonexistent/cluster.yaml"), "\(missing.error)")
        let bad = state + ".yaml"
        try "cluster: { name: Bad_Name }\nhosts: oops\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try Tools.run(bin, ["lab", "up", bad, "--state-dir", state])
        #expect(invalid.status == 1 && invalid.error.contains("error"), "\(invalid.error)")
        let lib = try Tools.run(bin, ["lab", "up", Repo.path("Tests/LabTests/lab-cluster.yaml"), "--state-dir", state, "--simulated-nvml", "/nonexistent.so"])
        #expect(lib.status != 0 && lib.error.contains("/nonexistent.so"), "\(lib.error)")
        #expect(!FileManager.default.fileExists(atPath: state), "a refused command created \(state)")
    }

    @Test("lab down removes only its own namespaces: another gcl- namespace on the machine stays")
    func downKeepsForeignNamespaces() throws {
        guard geteuid() == 0, let ip = Tools.find("ip") else {
            print("lab down namespaces test: SKIPPED: needs root and iproute2 (ip netns)")
            return
        }
        let foreign = "gcl-not-this-lab"
        _ = try? Tools.run(ip, ["netns", "delete", foreign])
        let made = try Tools.run(ip, ["netns", "add", foreign])
        try #require(made.status == 0, "ip netns add: \(made.error)")
        defer { _ = try? Tools.run(ip, ["netns", "delete", foreign]) }
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let down = try Tools.run(Binary.gpucluster, ["lab", "down", "--state-dir", state], timeout: 60)
        #expect(down.status == 0, "lab down: \(down.error)")
        let list = try Tools.run(ip, ["netns", "list"]).output
        #expect(list.contains(foreign), "lab down removed a namespace it did not make: \(list)")
    }

    @Test("ssh's control sockets fit a Unix socket path (107 bytes) from any state folder, one folder per lab, the same every run")
    func controlSocketsFit() {
        // ssh adds 57 bytes to the folder: %C's 40 hex digits, a dot and a 16-letter temporary suffix.
        let long = "/work/" + String(repeating: "a-long-checkout-path/", count: 10) + ".build/lab-e2e-13/state"
        for state in [long, "/var/lib/gpucluster/lab", "/tmp/gcl-rel.abcd/state"] {
            let dir = LabPaths(state: state).controlSockets
            #expect(dir.utf8.count + 57 <= 107, "\(dir) leaves no room for ssh's socket names")
            #expect(dir == LabPaths(state: state).controlSockets)
        }
        #expect(LabPaths(state: long).controlSockets != LabPaths(state: long + "2").controlSockets, "two labs, two folders")
        #expect(StableHash.hex("".utf8) == "cbf29ce484222325" && StableHash.hex([0x61], digits: 4) == "af63", "FNV-1a's published values")
    }
}
