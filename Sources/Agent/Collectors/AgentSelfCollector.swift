import HostSystem
#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif

/// The agent about itself: version, how long each collector took, when data was collected,
/// its resident memory. Lets alerts tell "GPU broken" from "agent stuck".
public struct AgentSelfCollector: Collector {
    public var name: String { "agent" }
    public func collect(_ s: inout NodeSnapshot) {}

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.add(Metric.agentInfo, [("version", s.agentVersion), ("backend", s.gpu.backend), ("hostname", s.hostname)], 1)
        m.add(Metric.agentLastCollectionTimestampSeconds, [], s.collectedAt)
        for c in s.collectors {
            m.add(Metric.agentCollectorDurationSeconds, [("collector", c.name)], c.seconds)
            m.add(Metric.agentCollectorSuccess, [("collector", c.name)], c.error == nil ? 1 : 0)
        }
        if let rss = Self.residentBytes() {
            m.add(Metric.agentResidentMemoryBytes, [], rss)
        }
    }

    static func residentBytes() -> Double? {
        guard let s = SmallFile.text("/proc/self/status") else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
