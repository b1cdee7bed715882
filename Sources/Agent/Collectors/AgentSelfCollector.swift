#if canImport(FoundationEssentials)
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
        m.add("gpucluster_agent_info", .gauge, "Agent version and GPU backend.",
              [("version", s.agentVersion), ("backend", s.gpu.backend), ("hostname", s.hostname)], 1)
        m.add("gpucluster_agent_last_collection_timestamp_seconds", .gauge, "When the served data was collected.", [], s.collectedAt)
        for c in s.collectors {
            m.add("gpucluster_agent_collector_duration_seconds", .gauge, "Time one collector took in the last cycle.", [("collector", c.name)], c.seconds)
            m.add("gpucluster_agent_collector_success", .gauge, "1 when the collector ran without error.", [("collector", c.name)], c.error == nil ? 1 : 0)
        }
        if let rss = Self.residentBytes() {
            m.add("gpucluster_agent_resident_memory_bytes", .gauge, "Agent resident memory.", [], rss)
        }
    }

    static func residentBytes() -> Double? {
        guard let s = ProcessInspector.read("/proc/self/status") else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 * 1024 }
        }
        return nil
    }
}
