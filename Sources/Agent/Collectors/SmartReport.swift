import Foundation

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

public enum SmartReport {
    /// Parses one `smartctl --json -a` document. Never throws: unreadable output is an error field.
    public static func parse(device: String, json: Data) -> DiskHealth {
        var d = DiskHealth(device: device)
        guard let obj = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            d.error = "smartctl output is not JSON"
            return d
        }
        if let smartctl = obj["smartctl"] as? [String: Any], let exit = smartctl["exit_status"] as? Int, exit & 0x3 != 0 {
            // Bits 0–1: command line or device open failed; the rest still carries findings.
            d.error = (smartctl["messages"] as? [[String: Any]])?.first?["string"] as? String ?? "smartctl exit status \(exit)"
        }
        d.model = obj["model_name"] as? String
        d.serial = obj["serial_number"] as? String
        d.healthy = (obj["smart_status"] as? [String: Any])?["passed"] as? Bool
        d.temperatureCelsius = number((obj["temperature"] as? [String: Any])?["current"])
        d.powerOnHours = number((obj["power_on_time"] as? [String: Any])?["hours"])
        if let table = (obj["ata_smart_attributes"] as? [String: Any])?["table"] as? [[String: Any]] {
            for attr in table {
                let raw = number((attr["raw"] as? [String: Any])?["value"])
                switch attr["id"] as? Int {
                case 5: d.reallocatedSectors = raw
                case 197: d.pendingSectors = raw
                default: break
                }
            }
        }
        if let nvme = obj["nvme_smart_health_information_log"] as? [String: Any] {
            d.mediaErrors = number(nvme["media_errors"])
            if d.temperatureCelsius == nil { d.temperatureCelsius = number(nvme["temperature"]) }
        }
        // ATA self-test log: newest first.
        if let log = ((obj["ata_smart_self_test_log"] as? [String: Any])?["standard"] as? [String: Any])?["table"] as? [[String: Any]],
           let newest = log.first {
            d.lastSelfTestPassed = (newest["status"] as? [String: Any])?["passed"] as? Bool
            if let at = number(newest["lifetime_hours"]), let now = d.powerOnHours { d.lastSelfTestAgeHours = max(0, now - at) }
        }
        if let log = (obj["nvme_self_test_log"] as? [String: Any])?["table"] as? [[String: Any]], let newest = log.first {
            d.lastSelfTestPassed = (newest["self_test_result"] as? [String: Any])?["value"] as? Int == 0
            if let at = number(newest["power_on_hours"]), let now = d.powerOnHours { d.lastSelfTestAgeHours = max(0, now - at) }
        }
        return d
    }

    /// Devices from `smartctl --scan --json`.
    public static func devices(scanJSON: Data) -> [String] {
        guard let obj = try? JSONSerialization.jsonObject(with: scanJSON) as? [String: Any],
              let devs = obj["devices"] as? [[String: Any]] else { return [] }
        return devs.compactMap { $0["name"] as? String }
    }

    static func number(_ v: Any?) -> Double? {
        switch v {
        case let n as Int: return Double(n)
        case let n as Double: return n
        case let n as NSNumber: return n.doubleValue
        default: return nil
        }
    }
}
