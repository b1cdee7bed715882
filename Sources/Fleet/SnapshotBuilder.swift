import NodeReport
import Foundation

/// Turns observations into a snapshot: each GPU in exactly one state (docs/DESIGN.md, "What free
/// means"). Remembers, per GPU UUID, since when a held GPU has been idle, across rounds.
public struct SnapshotBuilder: Sendable {
    public var policy: FreePolicy
    /// uuid → first round (Unix s) in the current run of held-and-idle readings.
    public private(set) var idleSince: [String: Double] = [:]

    public init(policy: FreePolicy) { self.policy = policy }

    /// How long a host that stopped answering during maintenance still shows as in maintenance:
    /// past this, an upgrade has gone wrong somewhere and the host is down.
    public static let maintenanceUnreachableLimit: Double = 6 * 3600

    /// The maintenance the node is in, if it counts: always while it answers, and for
    /// `maintenanceUnreachableLimit` after it began while it does not.
    static func maintenance(of o: NodeObservation, now: Double) -> Maintenance? {
        guard let m = o.maintenance else { return nil }
        return o.reachable || now - m.since <= maintenanceUnreachableLimit ? m : nil
    }

    public mutating func build(_ observations: [NodeObservation], now: Double, generation: Int,
                               source: String, sourceError: String? = nil) -> ClusterSnapshot {
        var seen = Set<String>()
        let nodes = observations.map { node(for: $0, now: now, seen: &seen) }
        idleSince = idleSince.filter { seen.contains($0.key) }
        return ClusterSnapshot(generation: generation, takenAt: now, source: source, sourceError: sourceError,
                               policy: policy, nodes: nodes)
    }

    mutating func node(for o: NodeObservation, now: Double, seen: inout Set<String>) -> NodeView {
        var gpus: [GPUView] = []
        // A driver whose module and library disagree, or no module: its GPUs are down for
        // that reason, said as the fix ("needs reboot: driver … loaded, … installed").
        let driverDown = o.driver.flatMap { d in d.needsReboot || d.problems.contains(.moduleNotLoaded) ? d.summary : nil }
        let nodeProblem: String? = !o.reachable ? (o.problem ?? "unreachable")
            : !o.backendUp ? (driverDown ?? "no GPU backend: \(o.backendError ?? o.backend ?? "none")") : nil
        let fabricDown = o.reachable && o.driver?.problems.contains(.fabricManagerDown) == true
        let maintenance = Self.maintenance(of: o, now: now)
        for g in o.gpus.sorted(by: { $0.index < $1.index }) {
            seen.insert(g.uuid)
            var v = GPUView(node: o.name, index: g.index, uuid: g.uuid, name: g.name, state: .free,
                            memoryUsedBytes: g.memoryUsedBytes, memoryTotalBytes: g.memoryTotalBytes,
                            utilization: g.utilization, temperatureCelsius: g.temperatureCelsius,
                            users: g.users, jobs: g.jobs, processes: g.processes)
            if let m = maintenance {
                v.state = .maintenance; v.reason = m.summary
                idleSince[g.uuid] = nil
            } else if let p = nodeProblem {
                v.state = .down; v.reason = p
                idleSince[g.uuid] = nil
            } else if !g.up {
                v.state = .down; v.reason = g.error ?? "GPU lost"
                idleSince[g.uuid] = nil
            } else if let h = g.healthProblem {
                v.state = .unhealthy; v.reason = h
            } else if fabricDown {
                // NVSwitch systems start no CUDA job without the fabric manager.
                v.state = .unhealthy; v.reason = "fabric manager not running (NVSwitch)"
            } else if g.processCount > 0 {
                v.state = .busy
                if (g.utilization ?? 100) <= policy.idleUtilizationPercent {
                    let since = idleSince[g.uuid] ?? now
                    idleSince[g.uuid] = since
                    v.idleSince = since
                    if g.idleForWindow ?? (now - since >= policy.idleSeconds) {
                        v.state = .idleHeld
                        v.reason = "held by \(g.users.isEmpty ? "unknown" : g.users.joined(separator: ", ")), utilization ≤ \(Self.number(policy.idleUtilizationPercent)) % for \(Self.duration(max(now - since, g.idleForWindow == true ? policy.idleSeconds : 0)))"
                    }
                } else {
                    idleSince[g.uuid] = nil
                }
            } else if let used = g.memoryUsedBytes, used >= policy.freeMemoryBytes {
                v.state = .busy
                v.reason = "\(used >> 20) MiB used with no compute process listed"
            }
            if v.state != .busy && v.state != .idleHeld && v.state != .unhealthy { idleSince[g.uuid] = nil }
            gpus.append(v)
        }
        // Fewer GPUs than the spec says: the missing ones are shown down, not forgotten.
        if let expected = o.expectedGPUs.map({ min($0, ObservationBounds.maxGPUs) }), expected > gpus.count {
            let seenCount = gpus.count
            let why = nodeProblem ?? "missing: spec expects \(expected), agent sees \(seenCount)"
            for i in seenCount..<expected {
                gpus.append(GPUView(node: o.name, index: i, uuid: "missing:\(o.name):\(i)", name: "?",
                                    state: maintenance == nil ? .down : .maintenance, reason: maintenance?.summary ?? why))
            }
        }
        var view = NodeView(name: o.name, up: o.reachable, problem: nodeProblem ?? o.dataProblem, lastSeen: o.lastSeen,
                            downSince: o.reachable ? nil : (o.downSince ?? now), expectedGPUs: o.expectedGPUs,
                            backend: o.backend, driverVersion: o.driverVersion, tags: o.tags, gpus: gpus)
        view.host = o.reachable ? o.host : nil
        view.driver = o.reachable ? o.driver : nil
        if view.problem == nil, o.reachable, let d = o.driver, d.problems.contains(.persistenceOff) { view.problem = d.summary }
        view.backupLastSuccess = o.backupLastSuccess
        view.maintenance = maintenance
        return view
    }

    public static func number(_ d: Double) -> String {
        guard let i = ObservationBounds.int(d), Double(i) == d else { return d.isFinite ? String(format: "%.1f", d) : "?" }
        return String(i)
    }

    /// "45 s", "12 min", "3 h 05 min", "2 d 4 h"; "?" for what is not a duration.
    public static func duration(_ s: Double) -> String {
        guard s.isFinite, s < 1e15 else { return "?" }
        let t = Int(max(0, s))
        if t < 60 { return "\(t) s" }
        if t < 3600 { return "\(t / 60) min" }
        if t < 86400 { return "\(t / 3600) h \(String(format: "%02d", (t % 3600) / 60)) min" }
        return "\(t / 86400) d \((t % 86400) / 3600) h"
    }
}
