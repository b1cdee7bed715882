struct NetworksRule: ValidationRule {
    let name = "networks"
    let summary = "networks exist, have no host bits set, and do not overlap"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let nets = c.spec.networks
        if nets.isEmpty {
            d.error(c.spec.section("networks"), "no networks are defined", hint: "e.g. internal: { cidr: 10.10.0.0/24 }")
        }
        for (i, n) in nets.enumerated() {
            if !n.name.value.isHostLabel {
                d.error(n.name.at, "network name '\(Diagnostic.printable(n.name.value))' is not a simple name",
                        hint: "use lowercase letters, digits and '-'")
            }
            if n.cidr.value.hasHostBits {
                d.error(n.cidr.at, "network \(n.name.value): \(n.cidr.value.base)/\(n.cidr.value.prefix) has host bits set",
                        hint: "did you mean \(n.cidr.value)?")
            }
            if n.cidr.value.prefix > 30 {
                d.error(n.cidr.at, "network \(n.name.value): a /\(n.cidr.value.prefix) has no room for hosts",
                        hint: "use a prefix of /30 or shorter")
            }
            for other in nets[..<i] where other.cidr.value.overlaps(n.cidr.value) {
                d.error(n.cidr.at, "network \(n.name.value) (\(n.cidr.value)) overlaps network \(other.name.value) (\(other.cidr.value))",
                        hint: "every network needs its own address range")
            }
        }
    }
}
