/// The seed's acceptance test: outside users cannot reach inside-only ports (NFS, agents).
struct InsideOnlyRule: ValidationRule {
    let name = "inside-only"
    let summary = "insideOnly services are never open to a public network or a public-only host"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        for s in c.spec.services where s.insideOnly.value {
            for ref in s.from {
                if let net = c.spec.network(named: ref.value), net.scope == .public {
                    d.error(ref.at, "service '\(s.name.value)' is insideOnly but open to the public network '\(net.name.value)'",
                            hint: "remove \(net.name.value) from `from:`, or drop insideOnly if it really must be public")
                }
            }
        }
    }
}
