/// `gpu:` and hosts' `nvswitch`: a driver version apt can pin, a plain mirror URL, the fabric
/// manager only where NVIDIA's repository can provide it, NVSwitch only on compute hosts.
struct GPUStackRule: ValidationRule {
    let name = "gpu-stack"
    let summary = "gpu.driver is a branch or version, nvswitch hosts are compute hosts and use NVIDIA's repository"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let g = c.spec.gpu
        if !GPUStack.isDriverVersion(g.driver.value) {
            d.error(g.driver.at, "gpu.driver '\(Diagnostic.printable(String(g.driver.value.prefix(20))))' is not a driver branch or version",
                    hint: "a branch such as \"535\" or an exact version such as \"535.261.03\"")
        }
        if !isPlainHTTPURL(g.mirror.value) {
            d.error(g.mirror.at, "gpu.mirror '\(Diagnostic.printable(String(g.mirror.value.prefix(80))))' is not a plain http(s) URL",
                    hint: "e.g. \(GPUStack.debianMirror)")
        }
        // Debian packages one branch per release: a named other one exists only at NVIDIA.
        let computeReleases = Set(c.spec.hosts(withRole: .compute).map(c.spec.release(of:))).sorted()
        for release in computeReleases where g.source.value == .debian && g.driverGiven && g.branch != release.nvidiaDriverBranch {
            d.warning(g.driver.at, "gpu.driver \(Diagnostic.printable(g.driver.value)): \(release.title) packages the \(release.nvidiaDriverBranch) branch only; apply will find no such version on its hosts",
                      hint: "leave gpu.driver out (each release's own branch), or gpu: { source: nvidia, driver: \"\(Diagnostic.printable(g.driver.value))\" } takes it from NVIDIA's repository")
        }
        for h in c.spec.hosts {
            guard let nv = h.nvswitch, nv.value else { continue }
            if !h.has(.compute) {
                d.error(nv.at, "host '\(h.name.value)' is marked nvswitch but is not a compute host", hint: "nvswitch: true belongs on GPU servers (HGX/DGX)")
            } else if g.source.value == .debian {
                d.error(nv.at, "host '\(h.name.value)' is an NVSwitch system, which needs nvidia-fabricmanager: Debian does not package it",
                        hint: "gpu: { source: nvidia } (NVIDIA's repository has nvidia-fabricmanager-\(g.branch))")
            }
        }
    }
}
