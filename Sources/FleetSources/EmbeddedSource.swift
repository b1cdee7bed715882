import WebClient
import NodeReport
import Fleet
import Foundation
import Synchronization

/// Reads every agent's `/api/v1/node` concurrently (at most `parallelism` at once), each
/// under its own deadline, so one dead or slow node never holds back the others.
public final class EmbeddedSource: ClusterSource {
    public let name = "embedded"
    public let targets: [AgentTarget]
    let fetcher: any HTTPFetcher
    let timeout: Duration
    let parallelism: Int
    let maxBytes = 16 << 20
    private let memory: Mutex<[String: NodeMemory]>

    public init(targets: [AgentTarget], fetcher: any HTTPFetcher = AsyncHTTPFetcher(),
                timeout: Duration = .seconds(2), parallelism: Int = 128) {
        self.targets = targets
        self.fetcher = fetcher
        self.timeout = timeout
        self.parallelism = max(1, parallelism)
        memory = Mutex([:])
    }

    public func observe() async -> SourceRound {
        var results = [Result<NodeObservation, FetchProblem>?](repeating: nil, count: targets.count)
        await withTaskGroup(of: (Int, Result<NodeObservation, FetchProblem>).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                let t = targets[i]
                group.addTask { [self] in (i, await fetch(t)) }
            }
            while next < min(parallelism, targets.count) { launch() }
            for await (i, r) in group {
                results[i] = r
                if next < targets.count { launch() }
            }
        }
        let now = Date().timeIntervalSince1970
        let observations = memory.withLock { mem in
            targets.enumerated().map { i, t in
                mem[t.name, default: NodeMemory()].record(t, results[i] ?? .failure(FetchProblem(message: "not asked")), now: now)
            }
        }
        return SourceRound(observations: observations)
    }

    func fetch(_ t: AgentTarget) async -> Result<NodeObservation, FetchProblem> {
        let answer: (status: Int, body: Data)
        do {
            answer = try await fetcher.get("http://\(t.endpoint)/api/v1/node", timeout: timeout, maxBytes: maxBytes)
        } catch {
            return .failure(FetchProblem(message: error.description))
        }
        guard answer.status == 200 else {
            return .failure(FetchProblem(message: "agent answered HTTP \(answer.status)"))
        }
        do {
            let report = try JSONDecoder().decode(AgentReport.self, from: answer.body)
            return .success(NodeObservation(name: t.name, expectedGPUs: t.expectedGPUs, tags: t.tags,
                                            report: report, lastSeen: Date().timeIntervalSince1970))
        } catch {
            return .failure(FetchProblem(message: "unreadable report (\(answer.body.count) bytes, not the agent's JSON)"))
        }
    }
}
