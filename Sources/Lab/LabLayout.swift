import Spec

/// Where each part of the lab lives: one network namespace per spec host, one "switch"
/// namespace holding a bridge per spec network, and an `outside` namespace on the public
/// network that plays an outside user. Pure: spec → names and addresses, and the `ip`
/// commands that build (and tear down) that network.
///
/// Safety: nothing is created in the machine's own network namespace (veth pairs are made
/// inside the switch namespace with their peer moved straight into the host's), and no
/// namespace gets a default route, so a lab address can never be reached from, or leak
/// out of, this machine.
public struct LabLayout: Sendable, Equatable {
    public struct Link: Sendable, Equatable {
        /// Interface name inside the host's namespace (`eth0`, `eth1`, … in address order).
        public var inside: String
        /// Its peer in the switch namespace, enslaved to the network's bridge.
        public var switchSide: String
        public var bridge: String
        public var network: String
        /// Address with the network's prefix, e.g. `10.10.0.11/24`.
        public var address: String
    }

    public struct Node: Sendable, Equatable {
        public var name: String
        public var namespace: String
        public var links: [Link]
        public var gpus: Int
        public var isBastion: Bool
        public var isOutside: Bool
        /// Where the admin seat (the bastion) reaches this host.
        public var managementAddress: String?
        /// The Debian release it boots (its base image).
        public var release: OSRelease = .debian12
    }

    public static let prefix = "gcl-"
    public static let switchNamespace = "gcl--switch"
    public static let outsideName = "outside"

    public var cluster: String
    public var hosts: [Node]
    /// The outside user, on the first public network (nil when the spec has none).
    public var outside: Node?
    /// (bridge, network name) per spec network.
    public var bridges: [(name: String, network: String)]

    public static func == (a: LabLayout, b: LabLayout) -> Bool {
        a.cluster == b.cluster && a.hosts == b.hosts && a.outside == b.outside
            && a.bridges.map(\.name) == b.bridges.map(\.name) && a.bridges.map(\.network) == b.bridges.map(\.network)
    }

    public var nodes: [Node] { hosts + (outside.map { [$0] } ?? []) }
    public var bastion: Node? { hosts.first { $0.isBastion } }
    public var namespaces: [String] { [Self.switchNamespace] + nodes.map(\.namespace) }
    public var addresses: [String] { nodes.flatMap { $0.links.map { String($0.address.split(separator: "/")[0]) } } }

    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    public init(spec: ClusterSpec) {
        cluster = spec.cluster.name.value
        var bridges: [(String, String)] = []
        var bridgeOf: [String: String] = [:]
        for (i, n) in spec.networks.enumerated() {
            bridges.append(("br\(i)", n.name.value))
            bridgeOf[n.name.value] = "br\(i)"
        }
        self.bridges = bridges
        let bastion = spec.bastion
        hosts = spec.hosts.enumerated().map { hi, h in
            let links = h.addresses.enumerated().compactMap { ai, a -> Link? in
                guard let net = spec.network(named: a.network.value), let br = bridgeOf[a.network.value] else { return nil }
                return Link(inside: "eth\(ai)", switchSide: "h\(hi)n\(ai)", bridge: br, network: a.network.value,
                            address: "\(a.address.value)/\(net.cidr.value.prefix)")
            }
            return Node(name: h.name.value, namespace: Self.prefix + h.name.value, links: links, gpus: h.gpus?.value ?? 0,
                        isBastion: h.has(.bastion), isOutside: false,
                        managementAddress: spec.address(of: h, seenFrom: bastion).map { "\($0)" }, release: spec.release(of: h))
        }
        outside = Self.outsideNode(spec, bridgeOf: bridgeOf)
    }

    /// The highest usable address of the first public network that no host uses.
    static func outsideNode(_ spec: ClusterSpec, bridgeOf: [String: String]) -> Node? {
        guard let net = spec.networks.first(where: { $0.scope == .public }), let br = bridgeOf[net.name.value] else { return nil }
        let cidr = net.cidr.value
        let used = Set(spec.hosts.flatMap { $0.addresses.map(\.address.value) })
        var candidate = cidr.broadcastAddress.value &- 1
        while candidate > cidr.networkAddress.value {
            let ip = IPv4(candidate)
            if !used.contains(ip) {
                return Node(name: outsideName, namespace: Self.prefix + "-" + outsideName,
                            links: [Link(inside: "eth0", switchSide: "out0", bridge: br, network: net.name.value, address: "\(ip)/\(cidr.prefix)")],
                            gpus: 0, isBastion: false, isOutside: true, managementAddress: nil)
            }
            candidate -= 1
        }
        return nil
    }

    /// The `ip` commands that build the lab's network, in order.
    public var upCommands: [[String]] {
        var c: [[String]] = []
        for ns in namespaces { c.append(["ip", "netns", "add", ns]) }
        for ns in namespaces { c.append(["ip", "-n", ns, "link", "set", "lo", "up"]) }
        for b in bridges {
            c.append(["ip", "-n", Self.switchNamespace, "link", "add", b.name, "type", "bridge"])
            c.append(["ip", "-n", Self.switchNamespace, "link", "set", b.name, "up"])
        }
        for n in nodes {
            for l in n.links {
                c.append(["ip", "-n", Self.switchNamespace, "link", "add", l.switchSide, "type", "veth", "peer", "name", l.inside, "netns", n.namespace])
                c.append(["ip", "-n", Self.switchNamespace, "link", "set", l.switchSide, "master", l.bridge, "up"])
                c.append(["ip", "-n", n.namespace, "addr", "add", l.address, "dev", l.inside])
                c.append(["ip", "-n", n.namespace, "link", "set", l.inside, "up"])
            }
        }
        return c
    }

    /// Deleting the namespaces removes every veth and bridge in them.
    public var downCommands: [[String]] { namespaces.reversed().map { ["ip", "netns", "delete", $0] } }
}
