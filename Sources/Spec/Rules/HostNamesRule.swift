struct HostNamesRule: ValidationRule {
    let name = "host-names"
    let summary = "host names are valid and unique, and differ from network and role names"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        var seen: [String: SourceLocation] = [:]
        if c.spec.hosts.isEmpty { d.error(c.spec.section("hosts"), "no hosts are defined") }
        for h in c.spec.hosts {
            let n = h.name.value
            if !n.isHostLabel {
                d.error(h.name.at, "host name '\(Diagnostic.printable(n))' is not a valid host name",
                        hint: "use lowercase letters, digits and '-' (at most 63), e.g. gpu01")
            }
            if let first = seen[n] {
                d.error(h.name.at, "host name '\(n)' is used twice (first at line \(first.line))",
                        hint: "every host needs its own name")
            } else {
                seen[n] = h.name.at
            }
            let clashesWithRole = Role(rawValue: n).map { !h.has($0) } ?? false
            if c.spec.network(named: n) != nil || clashesWithRole {
                d.error(h.name.at, "host name '\(n)' is also the name of a \(clashesWithRole ? "role it does not have" : "network")",
                        hint: "`from:` and `on:` could not tell them apart; rename the host")
            }
        }
    }
}
