/// The firewall policy resolved per host: which sources may reach which ports.
/// Pure and shared by the validation rules (lock-out, isolation), `plan` and `render`.
public struct AcceptRule: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        case network(name: String, cidr: CIDR)
        case host(name: String, address: IPv4)
        public var label: String {
            switch self {
            case .network(let n, let c): return "\(n) (\(c))"
            case .host(let n, let a): return "\(n) (\(a))"
            }
        }
        public func contains(_ ip: IPv4) -> Bool {
            switch self {
            case .network(_, let c): return c.contains(ip)
            case .host(_, let a): return a == ip
            }
        }
    }
    public enum Proto: String, Sendable, Hashable, Comparable {
        case tcp, udp
        public static func < (a: Proto, b: Proto) -> Bool { a.rawValue < b.rawValue }
    }
    public var service: String
    public var proto: Proto
    public var port: Int
    public var source: Source
    /// Addresses inside `source` that are refused first (the bastion, on the backup server).
    public var except: [Source]

    public func admits(_ ip: IPv4) -> Bool { source.contains(ip) && !except.contains { $0.contains(ip) } }
}

public enum PeerRef: Sendable {
    case network(Network)
    case role(Role)
    case host(Host)
}

extension ClusterSpec {
    /// The address `viewer` uses to reach `h`: on a network both are on, internal networks
    /// first (Ansible from the bastion, Prometheus and the dashboard reaching the agents).
    public func address(of h: Host, seenFrom viewer: Host?) -> IPv4? {
        let shared = Set(viewer?.addresses.map(\.network.value) ?? [])
        return h.addresses.sorted { a, b in
            let sa = shared.contains(a.network.value), sb = shared.contains(b.network.value)
            if sa != sb { return sa }
            let pa = network(named: a.network.value)?.scope == .public
            let pb = network(named: b.network.value)?.scope == .public
            if pa != pb { return !pa }
            return a.network.value < b.network.value
        }.first?.address.value
    }

    /// What a name in `from:`/`on:` refers to; more than one match is ambiguous.
    public func resolve(_ name: String) -> [PeerRef] {
        var out: [PeerRef] = []
        if let n = network(named: name) { out.append(.network(n)) }
        if let r = Role(rawValue: name) { out.append(.role(r)) }
        if let h = host(named: name) {
            // A host named after a role it holds (`bastion`, `backup`) is that role: no ambiguity.
            if let r = Role(rawValue: name), h.has(r) { return out }
            out.append(.host(h))
        }
        return out
    }

    public func service(_ s: Service, runsOn h: Host) -> Bool {
        s.on.isEmpty || s.on.contains { Self.names(h, $0.value) }
    }

    /// Whether a service account exists on `h` (its `on:` names the host or one of its roles;
    /// an empty `on:` is refused by validation, and means no host here).
    public func account(_ a: ServiceAccount, isOn h: Host) -> Bool {
        a.on.contains { Self.names(h, $0.value) }
    }

    /// `ref` (from an `on:` list) is the host's name or one of its roles.
    static func names(_ h: Host, _ ref: String) -> Bool {
        ref == h.name.value || Role(rawValue: ref).map(h.has) == true
    }

    /// Every port `h` accepts, from where; sorted for stable output.
    public func acceptRules(for h: Host) -> [AcceptRule] {
        var out: [AcceptRule] = []
        let bastion = self.bastion
        let isolateFromBastion = h.has(.backup) && !(backup?.allowBastionAccess.value ?? false)
            && bastion.map { $0.name.value != h.name.value } ?? false
        let narrowToBastion = internalPolicy.value == .toBastionOnly && h.has(.compute) && !h.has(.bastion)
        for s in services where service(s, runsOn: h) {
            var sources: [AcceptRule.Source] = []
            for ref in s.from {
                for peer in resolve(ref.value) {
                    switch peer {
                    case .network(let n):
                        guard h.address(on: n.name.value) != nil else { continue }
                        if narrowToBastion, n.scope == .internal, let b = bastion, let ba = b.address(on: n.name.value) {
                            sources.append(.host(name: b.name.value, address: ba))
                        } else {
                            sources.append(.network(name: n.name.value, cidr: n.cidr.value))
                        }
                    case .role(let r):
                        for other in hosts(withRole: r) where other.name.value != h.name.value {
                            sources += sharedAddresses(of: other, with: h)
                        }
                    case .host(let other):
                        if other.name.value != h.name.value { sources += sharedAddresses(of: other, with: h) }
                    }
                }
            }
            var excepts: [AcceptRule.Source] = []
            if isolateFromBastion, let b = bastion {
                sources.removeAll { if case .host(let n, _) = $0 { return n == b.name.value }; return false }
                excepts = b.addresses.map { .host(name: b.name.value, address: $0.address.value) }
            }
            for src in unique(sources) {
                let ex = excepts.filter { e in
                    if case .host(_, let ip) = e { return src.contains(ip) }
                    return false
                }
                for p in s.tcp { out.append(AcceptRule(service: s.name.value, proto: .tcp, port: p.value, source: src, except: ex)) }
                for p in s.udp { out.append(AcceptRule(service: s.name.value, proto: .udp, port: p.value, source: src, except: ex)) }
            }
        }
        return out.sorted { ($0.port, $0.proto.rawValue, $0.source.label) < ($1.port, $1.proto.rawValue, $1.source.label) }
    }

    private func sharedAddresses(of other: Host, with h: Host) -> [AcceptRule.Source] {
        other.addresses.compactMap { a in
            h.address(on: a.network.value) != nil ? .host(name: other.name.value, address: a.address.value) : nil
        }
    }

    private func unique(_ s: [AcceptRule.Source]) -> [AcceptRule.Source] {
        var seen = Set<AcceptRule.Source>()
        return s.filter { seen.insert($0).inserted }
    }

    /// Networks admins log in from: written in `adminAccess.from`, else the public networks,
    /// else every network.
    public var adminNetworks: [String] {
        if !adminAccessFrom.isEmpty { return adminAccessFrom.map(\.value) }
        let pub = networks.filter { $0.scope == .public }.map(\.name.value)
        return pub.isEmpty ? networks.map(\.name.value) : pub
    }
}
