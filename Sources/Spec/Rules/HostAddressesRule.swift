struct HostAddressesRule: ValidationRule {
    let name = "host-addresses"
    let summary = "addresses name known networks, lie inside them and are unique"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        var seen: [IPv4: String] = [:]
        let netNames = c.spec.networks.map(\.name.value)
        for h in c.spec.hosts {
            for a in h.addresses where !c.spec.unreadableNetworks.contains(a.network.value) {
                guard let net = c.spec.network(named: a.network.value) else {
                    d.error(a.network.at, "host \(h.name.value): unknown network '\(Diagnostic.printable(a.network.value))'",
                            hint: Suggest.hint(for: a.network.value, in: netNames))
                    continue
                }
                let ip = a.address.value, cidr = net.cidr.value
                if !cidr.contains(ip) {
                    d.error(a.address.at, "host \(h.name.value): address \(ip) is not inside network \(net.name.value) (\(cidr))",
                            hint: "pick an address between \(IPv4(cidr.networkAddress.value + 1)) and \(IPv4(cidr.broadcastAddress.value - 1))")
                } else if ip == cidr.networkAddress || ip == cidr.broadcastAddress {
                    d.error(a.address.at, "host \(h.name.value): \(ip) is the \(ip == cidr.networkAddress ? "network" : "broadcast") address of \(cidr)")
                }
                if let other = seen[ip] {
                    d.error(a.address.at, "address \(ip) of host \(h.name.value) is already used by host \(other)",
                            hint: "every host needs its own address")
                } else {
                    seen[ip] = h.name.value
                }
            }
        }
    }
}
