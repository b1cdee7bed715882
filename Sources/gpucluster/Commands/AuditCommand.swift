import ArgumentParser
import Audit
import Foundation
import Probe
import Spec

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Prove from the outside that the running cluster is what cluster.yaml says.",
        discussion: """
            Probes the cluster from where this machine stands (its address toward the hosts decides
            which services the spec admits) and never reads what `render` wrote. Exit 1 on any failure.
            """,
        subcommands: [AuditCheckCommand.self, AuditScanCommand.self, AuditHelloCommand.self],
        defaultSubcommand: AuditCheckCommand.self)
}

struct AuditCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Port policy, SSH algorithms and authentication methods of every host, and inside each (over SSH), against the spec.")

    @Argument(help: "The spec file.")
    var file = "cluster.yaml"

    @Option(name: .customLong("host"), help: "Audit only this host (repeatable).")
    var hosts: [String] = []

    @Option(name: .customLong("check"), help: "Run only this check (repeatable): \(AuditChecks.all.map(\.name).joined(separator: ", ")).")
    var checks: [String] = []

    @Option(help: "Which TCP ports: `policy` (the spec's and the usual suspects) or `all` (1-65535).")
    var ports: PortSelection = .policy

    @Option(help: "This machine's address as the hosts see it (default: the source address toward them).")
    var vantage: String?

    @Option(name: .customLong("from"), help: "Probe from this cluster host (over the admin's SSH, with its own gpucluster and ssh) instead of from here.")
    var fromHost: String?

    @Option(name: .customLong("ssh-config"), help: "The ssh config for the host checks' admin logins (as `ssh -F`).")
    var sshConfig: String?

    @Option(name: .customLong("ssh-user"), help: "Log in to the hosts as this admin (default: your ssh config's).")
    var sshUser: String?

    @Flag(help: "Print the findings as JSON.")
    var json = false

    @Option(help: "Also write the findings as JUnit XML to this file (for CI systems).")
    var junit: String?

    enum PortSelection: String, ExpressibleByArgument { case policy, all }

    func run() async throws {
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        for h in hosts where spec.host(named: h) == nil {
            printError("error: no host \(h) in \(file)")
            throw ExitCode(1)
        }
        for c in checks where !AuditChecks.all.contains(where: { $0.name == c }) {
            printError("error: no check \(c); there are \(AuditChecks.all.map(\.name).joined(separator: ", "))")
            throw ExitCode(1)
        }
        let ssh = AdminSSH(config: sshConfig, user: sshUser)
        var probing: any Probing = LiveProbing(ssh: ssh)
        var from: IPv4?
        if let fromHost {
            guard let h = spec.host(named: fromHost) else {
                printError("error: no host \(fromHost) in \(file)")
                throw ExitCode(1)
            }
            // Its address the other hosts see: an internal one first.
            let own = h.addresses.first { spec.network(named: $0.network.value)?.scope != .public } ?? h.addresses.first
            let login = spec.address(of: h, seenFrom: nil)
            guard let own, let login else { throw ValidationError("\(fromHost) has no address") }
            from = own.address.value
            probing = RemoteProbing(from: "\(login)", ssh: ssh)
        }
        guard let me = from ?? vantage.flatMap(IPv4.init) ?? Self.vantage(spec) else {
            printError("error: no route from here to any host of \(file) (or --vantage is not an IPv4 address)")
            throw ExitCode(1)
        }
        printError("audit from \(fromHost.map { "\($0) (\(me))" } ?? "\(me)")")
        let context = AuditContext(spec: spec, vantage: me, hosts: hosts.isEmpty ? nil : Set(hosts), allTCP: ports == .all,
                                   probing: probing, progress: { printError("  " + $0) })
        let findings = await AuditChecks.run(context, only: checks.isEmpty ? nil : Set(checks))
        if let junit {
            do { try AuditReport.junit(findings).write(toFile: junit, atomically: true, encoding: .utf8) } catch {
                printError("error: cannot write \(junit): \(error)")
                throw ExitCode(1)
            }
        }
        print(json ? AuditReport.json(findings) : AuditReport.table(findings, color: isatty(1) == 1), terminator: "")
        if findings.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }

    /// The source address toward the hosts: one inside a spec network if any host is reached
    /// from one, else the first. Addresses of this machine itself are no guide (the kernel
    /// answers from the address asked for), so on a host of the cluster it is the address
    /// the other hosts see.
    static func vantage(_ spec: ClusterSpec) -> IPv4? {
        let sources = spec.hosts.flatMap(\.addresses).compactMap { a -> IPv4? in
            let target = "\(a.address.value)"
            guard let s = sourceAddress(toward: target), s != target else { return nil }
            return IPv4(s)
        }
        return sources.first { s in spec.networks.contains { $0.cidr.value.contains(s) } } ?? sources.first
    }
}

struct AuditScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Probe one address's ports and print each state as nmap names it (open, closed, filtered, open|filtered).")

    @Argument(help: "An IPv4 address.")
    var address: String

    @Option(help: "TCP ports: a list and ranges, e.g. 22,80,1000-2000 (default: 1-65535).")
    var tcp = "1-65535"

    @Option(help: "UDP ports, the same way (default: none).")
    var udp = ""

    @Option(help: "Connects in flight at most.")
    var window = 16384

    @Flag(help: "Print every port's state as JSON.")
    var json = false

    func run() throws {
        guard IPv4(address) != nil else { throw ValidationError("not an IPv4 address: \(address)") }
        guard let tcpPorts = PortList.parse(tcp), let udpPorts = PortList.parse(udp) else { throw ValidationError("ports are numbers 1-65535, ranges a-b, separated by commas") }
        let start = Date()
        let t = try TCPConnectScan(window: window).scan(address, ports: tcpPorts) { done, total in
            if total > 1000 { printError("  \(done)/\(total) TCP") }
        }
        let u = UDPProbe().probe(address, ports: udpPorts)
        let seconds = Date().timeIntervalSince(start)
        if json {
            struct Scan: Encodable { var address: String; var seconds: Double; var tcp: [String: String]; var udp: [String: String] }
            let scan = Scan(address: address, seconds: seconds, tcp: Dictionary(uniqueKeysWithValues: t.map { (String($0.key), $0.value.rawValue) }),
                            udp: Dictionary(uniqueKeysWithValues: u.map { (String($0.key), $0.value.rawValue) }))
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys]
            print(String(decoding: try e.encode(scan), as: UTF8.self))
            return
        }
        // Open ports one per line (UDP's open|filtered too: it may be open); the rest counted.
        for (proto, states) in [("tcp", t), ("udp", u)] {
            for (port, state) in states.sorted(by: { $0.key < $1.key }) where state == .open || state == .openFiltered {
                print("\(port)/\(proto) \(state.rawValue)")
            }
            for state in [PortState.closed, .filtered] {
                let n = states.values.filter { $0 == state }.count
                if n > 0 { print("\(n) \(proto) ports \(state.rawValue)") }
            }
        }
        printError(String(format: "%d TCP and %d UDP ports in %.2f s", t.count, u.count, seconds))
    }
}

struct AuditHelloCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hello",
        abstract: "Print an SSH server's version line and KEXINIT (the algorithms it offers) as JSON.")

    @Argument(help: "An IPv4 address.")
    var address: String

    @Option(help: "The port.")
    var port = 22

    func run() throws {
        guard IPv4(address) != nil, (1...65535).contains(port) else { throw ValidationError("an IPv4 address and a port 1-65535") }
        do {
            let hello = try SSHServerHello.fetch(address, port: port)
            print(String(decoding: try JSONEncoder().encode(hello), as: UTF8.self))
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
