import Probe
import Spec

/// Where the audit stands and what it may do. Checks read the spec for what to expect and
/// probe through the `Probing` seam (sockets and the ssh client here; a test can count calls).
public struct AuditContext: Sendable {
    public var spec: ClusterSpec
    /// This machine's address toward the cluster (as the hosts see it).
    public var vantage: IPv4
    /// Hosts to audit (nil: all).
    public var hosts: Set<String>?
    /// Every TCP port (`--ports all`) instead of the policy's and the usual suspects.
    public var allTCP: Bool
    public var probing: any Probing
    public var progress: @Sendable (String) -> Void

    public init(spec: ClusterSpec, vantage: IPv4, hosts: Set<String>? = nil, allTCP: Bool = false,
                probing: any Probing = LiveProbing(), progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.spec = spec; self.vantage = vantage; self.hosts = hosts; self.allTCP = allTCP
        self.probing = probing; self.progress = progress
    }

    /// Every host in scope with the address to log in by: on the vantage's network, else a
    /// public one (the vantage's own host too: host checks look inside it).
    public func loginTargets() -> [(host: Host, address: String)] {
        spec.hosts.filter { hosts?.contains($0.name.value) ?? true }.compactMap { h in address(of: h).map { (h, $0) } }
    }

    /// The spec's other hosts in scope, with the address this vantage reaches each by.
    public func reachableHosts() -> [(host: Host, address: String)] {
        loginTargets().filter { !$0.host.addresses.contains(where: { $0.address.value == vantage }) }
    }

    /// The address of `h` this vantage reaches (on its own network first), if any.
    func address(of h: Host) -> String? {
        let reachable = h.addresses.filter { a in spec.network(named: a.network.value).map { PortExpectations.reaches(spec, vantage, $0) } ?? false }
        let onMine = reachable.first { a in spec.network(named: a.network.value)?.cidr.value.contains(vantage) == true }
        return (onMine ?? reachable.first).map { "\($0.address.value)" }
    }

    /// Whether the spec admits this vantage to `h`'s SSH (the SSH checks ask only there).
    public func sshAdmitted(_ h: Host) -> Bool {
        spec.acceptRules(for: h).contains { $0.proto == .tcp && $0.port == 22 && $0.admits(vantage) }
    }
}

/// The probes, behind one seam.
public protocol Probing: Sendable {
    func tcp(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void) throws -> [Int: PortState]
    func udp(_ address: String, ports: [Int]) -> [Int: PortState]
    func sshHello(_ address: String, port: Int) throws -> SSHServerHello
    func sshMethods(_ address: String, port: Int, user: String) -> SSHAuthMethods.Answer
    /// Runs a read-only command on a host as the admin, over SSH.
    func shell(_ address: String, _ command: String) -> ShellResult
    /// Ends whatever the probes keep open (SSH master connections).
    func finish()
}

public struct ShellResult: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public init(status: Int32, stdout: String, stderr: String) { self.status = status; self.stdout = stdout; self.stderr = stderr }
    /// ssh itself failed (255): no login, no connection.
    public var unreachable: Bool { status == 255 }
}

public struct LiveProbing: Probing {
    public var scan: TCPConnectScan
    public var udpProbe: UDPProbe
    public var ssh: AdminSSH
    public init(scan: TCPConnectScan = TCPConnectScan(), udpProbe: UDPProbe = UDPProbe(), ssh: AdminSSH = AdminSSH()) {
        self.scan = scan; self.udpProbe = udpProbe; self.ssh = ssh
    }
    public func shell(_ address: String, _ command: String) -> ShellResult { ssh.run(address, command) }
    public func finish() { ssh.closeAll() }
    public func tcp(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void) throws -> [Int: PortState] {
        try scan.scan(address, ports: ports, progress: progress)
    }
    public func udp(_ address: String, ports: [Int]) -> [Int: PortState] { udpProbe.probe(address, ports: ports) }
    public func sshHello(_ address: String, port: Int) throws -> SSHServerHello { try SSHServerHello.fetch(address, port: port) }
    public func sshMethods(_ address: String, port: Int, user: String) -> SSHAuthMethods.Answer {
        SSHAuthMethods.ask(address, port: port, user: user)
    }
}

/// One kind of check (one file each under Checks/, listed in `AuditChecks.all`).
public protocol AuditCheck: Sendable {
    /// Short and stable: the report's check column and `--check NAME`.
    var name: String { get }
    func run(_ context: AuditContext) async -> [Finding]
}

public enum AuditChecks {
    public static let all: [any AuditCheck] = [
        PortPolicyCheck(), SSHAlgorithmsCheck(), SSHAuthenticationCheck(),
        // Inside each host, over SSH as the admin (read-only):
        SSHDConfigCheck(), AccountsCheck(), SudoCheck(), ListeningCheck(), AgentCheck(), NFSExportsCheck(), LogForwardingCheck(),
        SmartdCheck(), BackupIsolationCheck(), BackupKeysCheck(), HomesCheck(), UpdatesCheck(), BruteForceCheck(), KernelCheck(),
    ]

    /// Runs the checks in order; findings in the order checks and hosts come.
    public static func run(_ context: AuditContext, only: Set<String>? = nil) async -> [Finding] {
        var out: [Finding] = []
        for check in all where only?.contains(check.name) ?? true {
            context.progress("\(check.name) …")
            out += await check.run(context)
        }
        context.probing.finish()
        return out
    }
}
