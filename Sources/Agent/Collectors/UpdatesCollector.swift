import NodeReport

/// Pending updates and reboot status, from the updates check's state file (the updates role
/// writes it hourly and after every package change). Into the host's condition, for the
/// dashboard and `status`, and as metrics. A missing or unreadable file exports nothing.
public struct UpdatesCollector: Collector {
    public let statePath: String?
    public var name: String { "updates" }

    public func collect(_ s: inout NodeSnapshot) {
        guard let statePath, let u = UpdatesStatus.read(path: statePath) else { return }
        var h = s.host ?? HostCondition()
        h.updates = u
        s.host = h
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        guard let u = s.host?.updates else { return }
        func put(_ family: MetricFamily, _ v: Double?) { if let v { m.add(family, [], v) } }
        put(Metric.updatesPending, u.pending.map(Double.init))
        put(Metric.updatesSecurityPending, u.security.map(Double.init))
        put(Metric.rebootRequired, u.rebootRequired.map { $0 ? 1 : 0 })
        put(Metric.servicesRestartPending, u.servicesToRestart.map(Double.init))
        put(Metric.updatesCheckedTimestampSeconds, u.checkedAt)
    }
}
