/// Roles that only make sense once, and roles the rest of the spec relies on.
struct RolePresenceRule: ValidationRule {
    let name = "roles"
    let summary = "single-instance roles appear once; no role is listed twice on a host"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        for h in c.spec.hosts {
            var seen = Set<Role>()
            for r in h.roles where !seen.insert(r.value).inserted {
                d.warning(r.at, "host \(h.name.value) lists role '\(r.value.rawValue)' twice")
            }
            if h.roles.isEmpty && !h.hasUnknownRoles { d.error(h.location, "host \(h.name.value) has no roles", hint: "e.g. roles: [compute]") }
        }
        for role in [Role.logSink, .monitor, .dashboard, .nfsServer] {
            let holders = c.spec.hosts(withRole: role)
            for extra in holders.dropFirst() {
                let at = extra.roles.first { $0.value == role }?.at ?? extra.location
                d.error(at, "role '\(role.rawValue)' is on both \(holders[0].name.value) and \(extra.name.value)",
                        hint: "one host holds the \(role.rawValue) role")
            }
        }
        if c.spec.hosts(withRole: .compute).isEmpty && !c.spec.hosts.isEmpty && !c.spec.hosts.contains(where: \.hasUnknownRoles) {
            d.warning(c.spec.section("hosts"), "no host has the role 'compute': there are no GPU machines")
        }
    }
}
