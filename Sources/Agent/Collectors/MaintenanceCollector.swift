import NodeReport

/// A host taken out of service on purpose (`gpucluster upgrade`), from the maintenance state
/// file: into the report, so the dashboard can keep showing the host "upgrading" while it
/// reboots, and as a metric, so Prometheus' host-down alerts stay quiet meanwhile.
public struct MaintenanceCollector: Collector {
    public let statePath: String?
    public var name: String { "maintenance" }

    public init(statePath: String?) { self.statePath = statePath }

    public func collect(_ s: inout NodeSnapshot) {
        s.maintenance = statePath.flatMap(Maintenance.read(path:))
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.add(Metric.maintenance, [], s.maintenance == nil ? 0 : 1)
        guard let mt = s.maintenance else { return }
        m.add(Metric.maintenanceStartTimestampSeconds, [("kind", mt.kind.rawValue), ("from_release", mt.fromRelease.map(String.init) ?? ""),
                                                        ("to_release", mt.toRelease.map(String.init) ?? "")], mt.since)
    }
}
