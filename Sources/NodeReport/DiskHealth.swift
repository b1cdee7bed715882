/// One disk's health from `smartctl --json -a DEVICE` (smartmontools 7+, ATA and NVMe).
public struct DiskHealth: Sendable, Codable, Equatable {
    public var device: String
    public var model: String?
    public var serial: String?
    /// SMART overall-health self-assessment; nil when the disk does not report it.
    public var healthy: Bool?
    public var temperatureCelsius: Double?
    public var reallocatedSectors: Double?
    public var pendingSectors: Double?
    public var mediaErrors: Double?
    public var powerOnHours: Double?
    public var lastSelfTestPassed: Bool?
    /// Hours since the last self-test (power-on hours now minus then).
    public var lastSelfTestAgeHours: Double?
    public var error: String?

    public init(device: String) { self.device = device }
}
