struct ClusterNameRule: ValidationRule {
    let name = "cluster"
    let summary = "cluster name is a host label; the OS (cluster-wide and per host) is one gpucluster can configure"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let n = c.spec.cluster.name
        if !n.value.isHostLabel {
            d.error(n.at, "cluster name '\(Diagnostic.printable(n.value))' is not a valid name",
                    hint: "use lowercase letters, digits and '-', e.g. vision-lab")
        }
        let os = c.spec.cluster.os
        if OSRelease(rawValue: os.value) == nil {
            d.error(os.at, "cluster.os '\(Diagnostic.printable(os.value))' is not supported",
                    hint: "gpucluster configures \(OSRelease.supportedList) hosts")
        }
        // A host may run another supported release than the cluster's while the cluster moves.
        for h in c.spec.hosts {
            guard let hos = h.os, OSRelease(rawValue: hos.value) == nil else { continue }
            d.error(hos.at, "host '\(Diagnostic.printable(h.name.value))' os '\(Diagnostic.printable(hos.value))' is not supported",
                    hint: "gpucluster configures \(OSRelease.supportedList) hosts (leave os out for cluster.os)")
        }
    }
}
