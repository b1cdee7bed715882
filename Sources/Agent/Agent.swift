#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Collects on an interval on its own thread (NVML and smartctl calls block) and keeps the
/// latest snapshot with its metrics already rendered: a scrape only copies bytes, and a
/// hung GPU tool can delay fresh data but never a scrape.
public final class Agent: Sendable {
    public let config: AgentConfig
    let collectors: [any Collector]
    private let latest = Mutex<Published?>(nil)
    private let stopFlag = Atomic<Bool>(false)

    public struct Published: Sendable {
        public var snapshot: NodeSnapshot
        public var metrics: String
        /// JSON is encoded when asked for (the API is polled far less often than we collect).
        public var json: Data {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            return (try? enc.encode(snapshot)) ?? Data("{}".utf8)
        }
    }

    public init(config: AgentConfig, collectors: [any Collector]? = nil) {
        self.config = config
        self.collectors = collectors ?? Collectors.standard(config)
    }

    /// One full cycle, synchronously; also used by tests and `agent --once`.
    @discardableResult
    public func collectOnce() -> Published {
        var s = NodeSnapshot(hostname: config.hostname, agentVersion: AgentVersion.string,
                             collectedAt: Date().timeIntervalSince1970, expectedGPUs: config.expectedGPUs)
        let clock = ContinuousClock()
        for c in collectors {
            var runError: String?
            let took = clock.measure {
                c.collect(&s)
            }
            if c.name == "gpu", let e = s.gpu.error { runError = e }
            if c.name == "smart", let e = s.smartError { runError = e }
            if c.name == "backup", let e = s.backupError { runError = e }
            s.collectors.append(CollectorRun(name: c.name, seconds: Double(took.components.attoseconds) / 1e18 + Double(took.components.seconds), error: runError))
        }
        s.collectedAt = Date().timeIntervalSince1970
        var m = MetricSet()
        for c in collectors { c.export(s, &m) }
        let p = Published(snapshot: s, metrics: m.render())
        latest.withLock { $0 = p }
        return p
    }

    public var current: Published? { latest.withLock { $0 } }

    /// Starts the collection thread; returns immediately.
    public func start() {
        BackgroundThread.start { [self] in
            while !stopFlag.load(ordering: .relaxed) {
                let started = ContinuousClock.now
                collectOnce()
                let next = started + config.interval
                while !stopFlag.load(ordering: .relaxed), ContinuousClock.now < next {
                    // Short naps so that stop() is seen quickly.
                    let left = (next - ContinuousClock.now).components
                    BackgroundThread.sleep(seconds: min(0.2, max(0.001, Double(left.seconds) + Double(left.attoseconds) / 1e18)))
                }
            }
        }
    }

    public func stop() { stopFlag.store(true, ordering: .relaxed) }
}
