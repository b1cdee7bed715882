#if canImport(Glibc)
import Glibc
#endif
import HostSystem
import NodeReport

/// The host beside its GPUs: load, memory, the root filesystem (from `/proc` and statvfs).
/// Only in the node report, for the dashboard's node page: the node exporter exports these
/// as metrics, so this collector exports none.
public struct HostCollector: Collector {
    public let procRoot: String
    public var name: String { "host" }

    public func collect(_ s: inout NodeSnapshot) {
        var h = HostCondition()
        if let load = SmallFile.text("\(procRoot)/loadavg", max: 256)?.split(separator: " ").first { h.load1 = Double(load) }
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        if online > 0 { h.cpus = Int(online) }
        for line in (SmallFile.text("\(procRoot)/meminfo", max: 16 << 10) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kib = UInt64(parts[1]), kib < UInt64.max >> 10 else { continue }
            if parts[0] == "MemTotal:" { h.memoryTotalBytes = kib << 10 }
            if parts[0] == "MemAvailable:" { h.memoryAvailableBytes = kib << 10 }
        }
        var st = statvfs()
        if statvfs("/", &st) == 0 {
            let (total, o1) = UInt64(st.f_blocks).multipliedReportingOverflow(by: UInt64(st.f_frsize))
            let (avail, o2) = UInt64(st.f_bavail).multipliedReportingOverflow(by: UInt64(st.f_frsize))
            if !o1 && !o2 { h.rootTotalBytes = total; h.rootAvailableBytes = avail }
        }
        s.host = h
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {}
}
