import CommandRunner
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Disk health through `smartctl --json -a`, every `interval` (SMART queries wake disks and
/// take time; the default is 10 minutes). Between runs the last result is reused.
public final class SmartCollector: Collector, @unchecked Sendable {
    public var name: String { "smart" }
    let smartctl: String?
    let interval: Duration
    private let cache = Mutex<(at: ContinuousClock.Instant?, disks: [DiskHealth], error: String?)>((nil, [], nil))

    public init(smartctl: String?, interval: Duration) {
        self.smartctl = smartctl
        self.interval = interval
    }

    public func collect(_ s: inout NodeSnapshot) {
        let now = ContinuousClock.now
        let due = cache.withLock { c in c.at.map { now - $0 >= interval } ?? true }
        if due {
            let (disks, error) = scan()
            cache.withLock { $0 = (now, disks, error) }
        }
        cache.withLock { c in
            s.disks = c.disks
            s.smartError = c.error
        }
    }

    func scan() -> ([DiskHealth], String?) {
        guard let smartctl else { return ([], "smartctl not installed") }
        do {
            let scan = try CommandRunner.run(smartctl, ["--scan", "--json"], timeout: .seconds(20))
            guard !scan.timedOut else { return ([], "smartctl --scan timed out") }
            let devices = SmartReport.devices(scanJSON: Data(scan.stdout.utf8))
            var out: [DiskHealth] = []
            for dev in devices.prefix(64) {
                let r = try CommandRunner.run(smartctl, ["--json", "-a", dev], timeout: .seconds(20))
                var d = r.timedOut ? DiskHealth(device: dev) : SmartReport.parse(device: dev, json: Data(r.stdout.utf8))
                if r.timedOut { d.error = "smartctl timed out" }
                out.append(d)
            }
            return (out, nil)
        } catch {
            return ([], "\(error)")
        }
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.add("gpucluster_smart_up", .gauge, "1 when smartctl could be run.", [], s.smartError == nil ? 1 : 0)
        m.add("gpucluster_smart_devices", .gauge, "Disks smartctl found.", [], Double(s.disks.count))
        let fams: [(String, String, (DiskHealth) -> Double?)] = [
            ("gpucluster_disk_smart_healthy", "1 when SMART overall health passed, 0 when it failed.", { $0.healthy.map { $0 ? 1 : 0 } }),
            ("gpucluster_disk_temperature_celsius", "Disk temperature.", { $0.temperatureCelsius }),
            ("gpucluster_disk_reallocated_sectors", "Reallocated sectors (ATA attribute 5).", { $0.reallocatedSectors }),
            ("gpucluster_disk_pending_sectors", "Sectors pending reallocation (ATA attribute 197).", { $0.pendingSectors }),
            ("gpucluster_disk_media_errors", "Media and data integrity errors (NVMe).", { $0.mediaErrors }),
            ("gpucluster_disk_last_selftest_passed", "1 when the newest SMART self-test passed.", { $0.lastSelfTestPassed.map { $0 ? 1 : 0 } }),
            ("gpucluster_disk_last_selftest_age_hours", "Power-on hours since the newest self-test.", { $0.lastSelfTestAgeHours }),
        ]
        for (name, help, value) in fams {
            m.declare(name, .gauge, help)
            for d in s.disks {
                if let v = value(d) { m.add(name, .gauge, help, [("device", d.device), ("model", d.model ?? ""), ("serial", d.serial ?? "")], v) }
            }
        }
    }
}
