#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif

public enum SmartReport {
    /// Parses one `smartctl --json -a` document. Never throws: unreadable output is an error field.
    public static func parse(device: String, json: Data) -> DiskHealth {
        var d = DiskHealth(device: device)
        guard let obj = JSONValue.parse(json), case .object = obj else {
            d.error = "smartctl output is not JSON"
            return d
        }
        if let exit = obj["smartctl"]?["exit_status"]?.int, exit & 0x3 != 0 {
            // Bits 0–1: command line or device open failed; the rest still carries findings.
            d.error = obj["smartctl"]?["messages"]?.array?.first?["string"]?.string ?? "smartctl exit status \(exit)"
        }
        d.model = obj["model_name"]?.string
        d.serial = obj["serial_number"]?.string
        d.healthy = obj["smart_status"]?["passed"]?.bool
        d.temperatureCelsius = obj["temperature"]?["current"]?.double
        d.powerOnHours = obj["power_on_time"]?["hours"]?.double
        for attr in obj["ata_smart_attributes"]?["table"]?.array ?? [] {
            let raw = attr["raw"]?["value"]?.double
            switch attr["id"]?.int {
            case 5: d.reallocatedSectors = raw
            case 197: d.pendingSectors = raw
            default: break
            }
        }
        if let nvme = obj["nvme_smart_health_information_log"] {
            d.mediaErrors = nvme["media_errors"]?.double
            if d.temperatureCelsius == nil { d.temperatureCelsius = nvme["temperature"]?.double }
        }
        // ATA self-test log: newest first.
        if let newest = obj["ata_smart_self_test_log"]?["standard"]?["table"]?.array?.first {
            d.lastSelfTestPassed = newest["status"]?["passed"]?.bool
            // The ATA log keeps lifetime hours in 16 bits: compare modulo 65,536.
            if let at = newest["lifetime_hours"]?.double, let now = d.powerOnHours {
                var age = now - at
                if now >= 65_536 {
                    age = age.truncatingRemainder(dividingBy: 65_536)
                    if age < 0 { age += 65_536 }
                }
                d.lastSelfTestAgeHours = max(0, age)
            }
        }
        if let newest = obj["nvme_self_test_log"]?["table"]?.array?.first {
            // 0 passed; 5–7 failed (fatal error, failed segment); the others were aborted: unknown.
            switch newest["self_test_result"]?["value"]?.int {
            case 0: d.lastSelfTestPassed = true
            case 5, 6, 7: d.lastSelfTestPassed = false
            default: d.lastSelfTestPassed = nil
            }
            if let at = newest["power_on_hours"]?.double, let now = d.powerOnHours { d.lastSelfTestAgeHours = max(0, now - at) }
        }
        return d
    }

    /// Devices from `smartctl --scan --json`.
    public static func devices(scanJSON: Data) -> [String] {
        (JSONValue.parse(scanJSON)?["devices"]?.array ?? []).compactMap { $0["name"]?.string }
    }
}
