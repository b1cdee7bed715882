struct ClusterNameRule: ValidationRule {
    let name = "cluster"
    let summary = "cluster name is a host label; the OS is one gpucluster can configure"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let n = c.spec.cluster.name
        if !n.value.isHostLabel {
            d.error(n.at, "cluster name '\(Diagnostic.printable(n.value))' is not a valid name",
                    hint: "use lowercase letters, digits and '-', e.g. vision-lab")
        }
        let os = c.spec.cluster.os
        if os.value != "debian-12" {
            d.error(os.at, "cluster.os '\(Diagnostic.printable(os.value))' is not supported",
                    hint: "gpucluster configures debian-12 hosts")
        }
    }
}
