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

    /// The spec's hosts in scope, with the address this vantage reaches each by (nil: none).
    public func reachableHosts() -> [(host: Host, address: String)] {
        spec.hosts.filter { hosts?.contains($0.name.value) ?? true }.compactMap { h in
            if h.addresses.contains(where: { $0.address.value == vantage }) { return nil }
            let onMine = h.addresses.first { a in spec.network(named: a.network.value)?.cidr.value.contains(vantage) == true }
            let pub = h.addresses.first { a in spec.network(named: a.network.value)?.scope == .public }
            return (onMine ?? pub).map { (h, "\($0.address.value)") }
        }
    }
}

/// The probes, behind one seam.
public protocol Probing: Sendable {
    func tcp(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void) throws -> [Int: PortState]
    func udp(_ address: String, ports: [Int]) -> [Int: PortState]
    func sshHello(_ address: String, port: Int) throws -> SSHServerHello
    func sshMethods(_ address: String, port: Int, user: String) -> SSHAuthMethods.Answer
}

public struct LiveProbing: Probing {
    public var scan: TCPConnectScan
    public var udpProbe: UDPProbe
    public init(scan: TCPConnectScan = TCPConnectScan(), udpProbe: UDPProbe = UDPProbe()) { self.scan = scan; self.udpProbe = udpProbe }
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
    public static let all: [any AuditCheck] = [PortPolicyCheck(), SSHAlgorithmsCheck(), SSHAuthenticationCheck()]

    /// Runs the checks in order; findings in the order checks and hosts come.
    public static func run(_ context: AuditContext, only: Set<String>? = nil) async -> [Finding] {
        var out: [Finding] = []
        for check in all where only?.contains(check.name) ?? true {
            context.progress("\(check.name) …")
            out += await check.run(context)
        }
        return out
    }
}
