import Probe
import Spec

/// What a port of a host must look like from one vantage point, read from the spec's services
/// policy (`Spec.acceptRules`: `from`, `insideOnly`, the internal policy, the backup server's
/// isolation from the bastion). Never from what `render` wrote: apply and audit stay independent.
public struct PortExpectation: Sendable, Equatable, Codable {
    public enum Expect: String, Sendable, Codable {
        /// Must answer (SSH: every host is managed over it).
        case open
        /// The spec admits this vantage point; the service may be stopped, but the firewall must not drop it.
        case allowed
        /// The spec admits nobody here: it must not answer (closed or filtered).
        case shut
    }
    public var host: String
    public var address: String
    public var proto: AcceptRule.Proto
    public var port: Int
    public var expect: Expect
    /// The spec's service on this port, if any.
    public var service: String?
    /// Who the spec admits to it (for the message when it answers where it must not).
    public var admitted: [String]

    public var label: String { "\(port)/\(proto.rawValue) on \(address)" }
}

extension AcceptRule.Proto: Codable {}

public enum PortExpectations {
    /// Ports worth probing whether or not the spec names them: what a research cluster's hosts
    /// often run by accident (rpcbind, Jupyter, databases, Prometheus' and Alertmanager's own
    /// ports, Alertmanager's gossip, Docker's API, X11, CUPS, mail).
    public static let usualSuspects: [Int] = [21, 23, 25, 80, 111, 139, 443, 445, 631, 2049, 2375, 2376, 3000, 3306, 5432, 5900,
                                               6000, 6006, 6379, 8000, 8443, 8787, 8888, 9090, 9093, 9094, 9095, 11211, 27017]
    public static let usualUDP: [Int] = [111, 514, 2049]

    /// Whether `vantage` reaches addresses on `net`: it is on that network, or it is on none of
    /// the spec's networks (somewhere on the internet) and the network is public. An inside
    /// host is not assumed to route to the public addresses.
    public static func reaches(_ spec: ClusterSpec, _ vantage: IPv4, _ net: Network) -> Bool {
        if net.cidr.value.contains(vantage) { return true }
        return net.scope == .public && !spec.networks.contains { $0.cidr.value.contains(vantage) }
    }

    /// Every address of every host (but the vantage's own) that `vantage` can reach (`reaches`).
    /// `allTCP` probes every TCP port.
    public static func plan(_ spec: ClusterSpec, from vantage: IPv4, hosts only: Set<String>? = nil, allTCP: Bool = false) -> [PortExpectation] {
        let specTCP = Set(spec.services.flatMap { $0.tcp.map(\.value) } + [22])
        let specUDP = Set(spec.services.flatMap { $0.udp.map(\.value) })
        let tcpPorts = allTCP ? Array(1...65535) : specTCP.union(usualSuspects).sorted()
        let udpPorts = specUDP.union(usualUDP).sorted()
        var out: [PortExpectation] = []
        for h in spec.hosts where only?.contains(h.name.value) ?? true {
            if h.addresses.contains(where: { $0.address.value == vantage }) { continue }
            let rules = spec.acceptRules(for: h)
            for a in h.addresses {
                guard let net = spec.network(named: a.network.value), reaches(spec, vantage, net) else { continue }
                for (proto, ports) in [(AcceptRule.Proto.tcp, tcpPorts), (.udp, udpPorts)] {
                    for port in ports {
                        let matching = rules.filter { $0.proto == proto && $0.port == port }
                        let admits = matching.contains { $0.admits(vantage) }
                        let expect: PortExpectation.Expect = !admits ? .shut : (proto == .tcp && port == 22 ? .open : .allowed)
                        var admitted: [String] = []
                        for r in matching where !admitted.contains(r.source.label) { admitted.append(r.source.label) }
                        out.append(PortExpectation(host: h.name.value, address: "\(a.address.value)", proto: proto, port: port, expect: expect,
                                                   service: matching.first?.service, admitted: admitted))
                    }
                }
            }
        }
        return out
    }
}
