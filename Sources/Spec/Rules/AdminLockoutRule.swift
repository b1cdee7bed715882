/// Lock-outs by firewall changes are the top complaint about cluster tools: refuse any spec
/// whose firewall would shut admins out of the bastion, or Ansible out of the other hosts.
struct AdminLockoutRule: ValidationRule {
    let name = "no-lockout"
    let summary = "SSH on the bastion stays open to the admin networks, and on every other host to the bastion"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let spec = c.spec
        guard let bastion = spec.bastion, spec.unreadableNetworks.isEmpty else { return }
        let sshService = spec.services.first { $0.tcp.contains { $0.value == 22 } }
        let at = sshService.map { s in s.from.first?.at ?? s.name.at } ?? spec.section("services")
        for ref in spec.adminAccessFrom where spec.network(named: ref.value) == nil {
            d.error(ref.at, "adminAccess.from: unknown network '\(Diagnostic.printable(ref.value))'",
                    hint: Suggest.hint(for: ref.value, in: spec.networks.map(\.name.value)))
        }
        let rules = spec.acceptRules(for: bastion).filter { $0.proto == .tcp && $0.port == 22 }
        for netName in spec.adminNetworks {
            guard let net = spec.network(named: netName) else { continue }
            guard bastion.address(on: netName) != nil else {
                d.error(bastion.name.at, "admins log in from network \(netName), but the bastion has no address there",
                        hint: "give the bastion an address on \(netName), or change adminAccess.from")
                continue
            }
            let open = rules.contains { if case .network(let n, _) = $0.source { return n == net.name.value }; return false }
            if !open {
                d.error(at, "SSH (tcp 22) on the bastion would be closed to the admin network '\(netName)': admins would be locked out",
                        hint: "add \(netName) to the `from:` of the service that opens tcp 22")
            }
        }
        for h in spec.hosts where h.name.value != bastion.name.value && !h.has(.backup) {
            let ssh = spec.acceptRules(for: h).filter { $0.proto == .tcp && $0.port == 22 }
            let reachable = bastion.addresses.contains { a in ssh.contains { $0.admits(a.address.value) } }
            if !reachable {
                d.error(sshService == nil ? spec.section("services") : at,
                        "SSH (tcp 22) on \(h.name.value) would be closed to the bastion: Ansible could not reach it",
                        hint: "open tcp 22 from a network both share (e.g. internal)")
            }
        }
    }
}
