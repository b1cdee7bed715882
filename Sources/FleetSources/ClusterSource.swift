import NodeReport
import Fleet

/// Where a round of observations comes from: the agents themselves, or Prometheus.
public protocol ClusterSource: Sendable {
    var name: String { get }
    /// One round. Never throws: an unreachable node is an observation; a source that failed
    /// as a whole says so in `sourceError` and returns what it last knew.
    func observe() async -> SourceRound
}

public struct SourceRound: Sendable {
    public var observations: [NodeObservation]
    public var sourceError: String?
    public init(observations: [NodeObservation], sourceError: String? = nil) {
        self.observations = observations; self.sourceError = sourceError
    }
}

/// What a source remembers of each node between rounds: the last good GPUs (so a node that
/// goes down keeps its cells) and since when it has been down.
struct NodeMemory: Sendable {
    var lastGood: NodeObservation?
    var downSince: Double?

    mutating func record(_ target: AgentTarget, _ result: Result<NodeObservation, FetchProblem>, now: Double) -> NodeObservation {
        switch result {
        case .success(let reported):
            // Both sources pass here: one place where outside values are checked.
            let o = reported.bounded(now: now)
            lastGood = o
            downSince = nil
            return o
        case .failure(let p):
            let since = downSince ?? now
            downSince = since
            var o = NodeObservation(name: target.name, expectedGPUs: target.expectedGPUs, tags: target.tags,
                                    reachable: false, problem: p.message, lastSeen: lastGood?.lastSeen,
                                    downSince: since, backend: lastGood?.backend, driverVersion: lastGood?.driverVersion,
                                    gpus: lastGood?.gpus ?? [])
            // An upgrade reboots the host: what its last report said about maintenance holds.
            o.maintenance = lastGood?.maintenance
            return o
        }
    }
}

struct FetchProblem: Error, Sendable { var message: String }
