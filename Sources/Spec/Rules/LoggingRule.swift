struct LoggingRule: ValidationRule {
    let name = "logging"
    let summary = "a log sink exists when logs are forwarded; UDP is flagged because it drops silently"
    func check(_ c: RuleContext, _ d: inout Diagnostics) {
        if c.spec.hosts(withRole: .logSink).isEmpty {
            d.warning(c.spec.section("hosts"), "no host has the role 'log-sink': logs stay on each machine",
                      hint: "the seed forwards every host's logs to the bastion; add log-sink to its roles")
        }
        if c.spec.logging.proto.value == .udp {
            d.warning(c.spec.logging.proto.at, "syslog over UDP drops messages silently when the sink is busy or down",
                      hint: "tcp (the default) queues on disk and retries")
        }
    }
}
