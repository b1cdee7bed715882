/// What "free" and "idle-held" mean (docs/DESIGN.md): free = host up, GPU healthy, no compute
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

    /// From the spec's units (`dashboard:` freeMemoryMiB, idleUtilizationPercent, idleMinutes).
    public init(freeMemoryMiB: Int, idleUtilizationPercent: Int, idleMinutes: Int) {
        self.init(freeMemoryBytes: UInt64(max(0, freeMemoryMiB)) << 20,
                  idleUtilizationPercent: Double(idleUtilizationPercent), idleSeconds: Double(idleMinutes) * 60)
    }
}
