import NodeReport
import Fleet
import Foundation
import Synchronization

/// Runs a source on an interval and keeps the latest classified snapshot. Pages and APIs
/// read `latest` and never wait on agents.
public final class FleetMonitor: Sendable {
    public let source: any ClusterSource
    public let interval: Duration
    private let state: Mutex<(builder: SnapshotBuilder, generation: Int, latest: ClusterSnapshot)>

    public init(source: any ClusterSource, policy: FreePolicy, interval: Duration = .seconds(15)) {
        self.source = source
        self.interval = interval
        state = Mutex((SnapshotBuilder(policy: policy), 0, ClusterSnapshot.empty(source: source.name, policy: policy)))
    }

    public var latest: ClusterSnapshot { state.withLock { $0.latest } }

    /// One round now: observe, classify, publish.
    @discardableResult
    public func round() async -> ClusterSnapshot {
        let r = await source.observe()
        let now = Date().timeIntervalSince1970
        return state.withLock { s in
            s.generation += 1
            let snap = s.builder.build(r.observations, now: now, generation: s.generation,
                                       source: source.name, sourceError: r.sourceError)
            s.latest = snap
            return snap
        }
    }

    /// Rounds until the task is cancelled; `each` sees every snapshot (history, live updates).
    public func run(each: @Sendable (ClusterSnapshot) async -> Void) async {
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let snap = await round()
            await each(snap)
            try? await Task.sleep(until: started + interval, clock: .continuous)
        }
    }
}
