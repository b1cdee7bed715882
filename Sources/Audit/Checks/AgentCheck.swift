import Spec

/// The agent on every host the spec runs it on: its unit and its socket active, and its
/// health endpoint answering on the address the monitor scrapes.
struct AgentCheck: HostCheck {
    let name = "agent"

    func command(for host: Host, in context: AuditContext) -> String? {
        guard let agent = context.spec.services.first(where: { $0.name.value == "agent" }), context.spec.service(agent, runsOn: host) else { return nil }
        return "systemctl is-active gpucluster-agent.service gpucluster-agent-proxy.socket"
    }

    func judge(_ host: Host, _ r: ShellResult, in context: AuditContext) -> [Finding] {
        let states = Self.lines(r.stdout).map { String($0.prefix(20)) }
        let ok = states == ["active", "active"]
        return [finding(host, "gpucluster-agent and its socket", ok ? .pass : .fail, expected: "active, active",
                        found: states.joined(separator: ", "),
                        fix: ok ? nil : "`systemctl status gpucluster-agent gpucluster-agent-proxy.socket` and `journalctl -u gpucluster-agent` on the host")]
    }
}
