import Spec

/// What "free" and "idle-held" mean (DESIGN.md): free = host up, GPU healthy, no compute
/// processes, used memory under `freeMemoryBytes`. Idle-held = has processes, utilization
/// ≤ `idleUtilizationPercent` for at least `idleSeconds`.
public struct FreePolicy: Sendable, Codable, Equatable {
    public var freeMemoryBytes: UInt64
    public var idleUtilizationPercent: Double
    public var idleSeconds: Double

    public init(freeMemoryBytes: UInt64 = 1 << 30, idleUtilizationPercent: Double = 5, idleSeconds: Double = 1800) {
        self.freeMemoryBytes = freeMemoryBytes
        self.idleUtilizationPercent = idleUtilizationPercent
        self.idleSeconds = idleSeconds
    }

    public init(_ d: DashboardSettings) {
        self.init(freeMemoryBytes: UInt64(max(0, d.freeMemoryMiB.value)) << 20,
                  idleUtilizationPercent: Double(d.idleUtilizationPercent.value),
                  idleSeconds: Double(d.idleMinutes.value) * 60)
    }
}
