import Spec

/// The kernel baseline read back (`sysctl`): the network values everywhere, the kernel's own
/// outside containers (a container shares the machine's kernel), and the blocked protocol
/// modules in modprobe's configuration.
struct KernelCheck: HostCheck {
    let name = "kernel"

    func command(for host: Host, in context: AuditContext) -> String? {
        let keys = (KernelBaseline.net + KernelBaseline.kernel).map(\.0).joined(separator: " ")
        return "systemd-detect-virt --container >/dev/null 2>&1 && echo 'container yes' || echo 'container no'; "
            + "for k in \(keys); do printf '%s %s\\n' \"$k\" \"$(/sbin/sysctl -n \"$k\" 2>/dev/null)\"; done; "
            + "echo '--- modprobe'; "
            + "grep -hE '^install ' /etc/modprobe.d/*.conf 2>/dev/null | head -n 50; true"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let parts = r.stdout.components(separatedBy: "--- modprobe\n")
        let l = Self.lines(parts[0]).map(String.init)
        let container = l.first == "container yes"
        var values: [String: String] = [:]
        for line in l.dropFirst() {
            let kv = line.split(separator: " ", maxSplits: 1)
            if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
        }
        func wrong(_ list: [(String, Int)]) -> [String] {
            list.compactMap { k, v in values[k] == String(v) ? nil : "\(k) \(values[k] ?? "(unset)") (want \(v))" }
        }
        var out: [Finding] = []
        let net = wrong(KernelBaseline.net)
        out.append(finding(host, "network sysctl", net.isEmpty ? .pass : .fail, expected: "\(KernelBaseline.net.count) values of the baseline",
                           found: net.isEmpty ? "as the baseline" : net.prefix(6).joined(separator: ", "), fix: net.isEmpty ? nil : "re-apply (kernel_hardening)"))
        if container {
            out.append(finding(host, "kernel sysctl", .skipped, expected: "\(KernelBaseline.kernel.count) values of the baseline",
                               found: "a container: the machine's kernel owns them"))
        } else {
            let kernel = wrong(KernelBaseline.kernel)
            out.append(finding(host, "kernel sysctl", kernel.isEmpty ? .pass : .fail, expected: "\(KernelBaseline.kernel.count) values of the baseline",
                               found: kernel.isEmpty ? "as the baseline" : kernel.prefix(6).joined(separator: ", "),
                               fix: kernel.isEmpty ? nil : "re-apply (kernel_hardening); `sysctl --system` shows which file wins"))
        }
        let installs = parts.count > 1 ? Self.lines(parts[1]).map(String.init) : []
        let blocked = KernelBaseline.blockedModules.filter { m in installs.contains { $0.hasPrefix("install \(m) /bin/false") || $0.hasPrefix("install \(m) /bin/true") } }
        let missing = KernelBaseline.blockedModules.filter { !blocked.contains($0) }
        out.append(finding(host, "blocked protocol modules", missing.isEmpty ? .pass : .fail,
                           expected: KernelBaseline.blockedModules.joined(separator: ", ") + " kept from loading",
                           found: missing.isEmpty ? "blocked" : "loadable: " + missing.joined(separator: ", "),
                           fix: missing.isEmpty ? nil : "re-apply (kernel_hardening)"))
        return out
    }
}
