import NodeReport
import HostSystem
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
        m.add(Metric.smartUp, [], s.smartError == nil ? 1 : 0)
        m.add(Metric.smartDevices, [], Double(s.disks.count))
        let fams: [(MetricFamily, (DiskHealth) -> Double?)] = [
            (Metric.diskSmartHealthy, { $0.healthy.map { $0 ? 1 : 0 } }),
            (Metric.diskTemperatureCelsius, { $0.temperatureCelsius }),
            (Metric.diskReallocatedSectors, { $0.reallocatedSectors }),
            (Metric.diskPendingSectors, { $0.pendingSectors }),
            (Metric.diskMediaErrors, { $0.mediaErrors }),
            (Metric.diskLastSelftestPassed, { $0.lastSelfTestPassed.map { $0 ? 1 : 0 } }),
            (Metric.diskLastSelftestAgeHours, { $0.lastSelfTestAgeHours }),
        ]
        for (family, value) in fams {
            m.declare(family)
            for d in s.disks {
                if let v = value(d) { m.add(family, [("device", d.device), ("model", d.model ?? ""), ("serial", d.serial ?? "")], v) }
            }
        }
    }
}
