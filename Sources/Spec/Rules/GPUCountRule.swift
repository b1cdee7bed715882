struct GPUCountRule: ValidationRule {
    let name = "gpus"
    let summary = "GPU counts are given for compute hosts"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        for h in c.spec.hosts {
            if h.has(.compute), h.gpus == nil {
                d.warning(h.name.at, "compute host \(h.name.value) does not say how many GPUs it has",
                          hint: "add gpus: N so a missing GPU is reported")
            }
            if let g = h.gpus, g.value > 0, !h.has(.compute), !h.hasUnknownRoles {
                d.warning(g.at, "host \(h.name.value) has GPUs but not the role 'compute': nobody will be told they are free")
            }
        }
    }
}
