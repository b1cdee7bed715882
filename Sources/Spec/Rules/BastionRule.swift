struct BastionRule: ValidationRule {
    let name = "bastion"
    let summary = "exactly one bastion, reachable on every internal network"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let bastions = c.spec.hosts.filter { $0.has(.bastion) }
        if bastions.isEmpty {
            d.error(c.spec.section("hosts"), "no host has the role 'bastion'",
                    hint: "the bastion is the hub admins log in to and Ansible runs from; give one host roles: [bastion]")
        }
        for extra in bastions.dropFirst() {
            let at = extra.roles.first { $0.value == .bastion }?.at ?? extra.location
            d.error(at, "host \(extra.name.value) is a second bastion (\(bastions[0].name.value) is the first)",
                    hint: "a cluster has exactly one bastion")
        }
        guard bastions.count == 1, let b = bastions.first else { return }
        for n in c.spec.networks where n.scope == .internal && b.address(on: n.name.value) == nil {
            let used = c.spec.hosts.contains { $0.address(on: n.name.value) != nil }
            if used {
                d.error(b.name.at, "the bastion \(b.name.value) has no address on internal network \(n.name.value)",
                        hint: "hosts there could not be reached from the bastion")
            }
        }
    }
}
