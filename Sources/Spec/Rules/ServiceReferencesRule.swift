/// Every service says which ports, where, and from which networks/hosts/roles.
struct ServiceReferencesRule: ValidationRule {
    let name = "services"
    let summary = "services have ports and a `from:`; names in `on:`/`from:` exist and are unambiguous"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let spec = c.spec
        let candidates = spec.networks.map(\.name.value) + Role.allCases.map(\.rawValue) + spec.hosts.map(\.name.value)
        for s in spec.services {
            let n = s.name.value
            if s.tcp.isEmpty && s.udp.isEmpty && !s.portsWritten {
                d.error(s.name.at, "service '\(Diagnostic.printable(n))' opens no ports", hint: "add tcp: [PORT] or udp: [PORT]")
            }
            if s.from.isEmpty {
                d.error(s.name.at, "service '\(Diagnostic.printable(n))' does not say who may reach it",
                        hint: "add from: [NETWORK, …]; every service names its networks")
            }
            for ref in s.from + s.on {
                let matches = spec.resolve(ref.value)
                if matches.isEmpty && !spec.unreadableNetworks.contains(ref.value) {
                    d.error(ref.at, "service '\(Diagnostic.printable(n))': '\(Diagnostic.printable(ref.value))' is not a network, role or host",
                            hint: Suggest.hint(for: ref.value, in: candidates))
                } else if matches.count > 1 {
                    d.error(ref.at, "service '\(n)': '\(ref.value)' is ambiguous (network, role or host)")
                }
            }
            for ref in s.on {
                if case .network = spec.resolve(ref.value).first {
                    d.error(ref.at, "service '\(n)': `on:` takes roles or hosts, '\(ref.value)' is a network",
                            hint: "`from:` says which networks may connect")
                }
            }
            if !s.on.isEmpty && !spec.hosts.contains(where: { spec.service(s, runsOn: $0) }) {
                d.warning(s.name.at, "service '\(n)' runs on no host")
            }
        }
        var ports: [String: String] = [:]
        for s in spec.services {
            for (proto, list) in [("tcp", s.tcp), ("udp", s.udp)] {
                for p in list {
                    for h in spec.hosts where spec.service(s, runsOn: h) {
                        let key = "\(h.name.value)/\(proto)/\(p.value)"
                        if let other = ports[key], other != s.name.value {
                            d.error(p.at, "port \(p.value)/\(proto) on \(h.name.value) belongs to both '\(other)' and '\(s.name.value)'")
                        } else { ports[key] = s.name.value }
                    }
                }
            }
        }
    }
}
