import NodeReport
import Spec

extension FreePolicy {
    /// The policy the spec's `dashboard:` settings ask for.
    public init(_ d: DashboardSettings) {
        self.init(freeMemoryMiB: d.freeMemoryMiB.value, idleUtilizationPercent: d.idleUtilizationPercent.value,
                  idleMinutes: d.idleMinutes.value)
    }
}
