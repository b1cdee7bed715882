struct MonitoringRule: ValidationRule {
    let name = "monitoring"
    let summary = "metrics are kept a year, a monitor host exists, the agent port is free"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        let m = c.spec.monitoring
        if m.retentionDays.value < 365 {
            d.warning(m.retentionDays.at, "metrics are kept only \(m.retentionDays.value) days",
                      hint: "the seed keeps at least a year, to compare usage across semesters")
        }
        if c.spec.hosts(withRole: .monitor).isEmpty {
            d.warning(c.spec.section("hosts"), "no host has the role 'monitor': nothing collects the agents' metrics")
        }
        if m.agentPort.value == c.spec.dashboard.port.value {
            d.error(m.agentPort.at, "monitoring.agentPort and dashboard.port are both \(m.agentPort.value)")
        }
    }
}
