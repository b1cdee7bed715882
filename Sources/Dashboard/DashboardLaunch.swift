import Fleet
import FleetSources
import Foundation
import History
import NodeReport
import Spec

/// `gpucluster dashboard` from a spec and its options: the backend (the agents, or a
/// Prometheus), the history store, who sees process detail, and the listeners.
public enum DashboardLaunch {
    public struct Settings: Sendable {
        public var prometheus: String?
        public var historyPath: String?
        /// NAME → HOST:PORT, from `--agent`.
        public var agentOverrides: [String: String] = [:]
        public var intervalSeconds: Double?
        public var timeoutSeconds: Double = 2
        public var pollSeconds: Double = 5
        /// CIDR texts; empty means the spec's non-public networks and loopback.
        public var detailFrom: [String] = []
        /// `gpucluster notify`'s URL: the collector's own conditions go there (no Prometheus needed).
        public var notifyURL: String?
        public init() {}
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Launched: Sendable {
        public var app: DashboardApp
        /// One line for the log: nodes, backend, history.
        public var summary: String
    }

    public static func make(_ spec: ClusterSpec, _ s: Settings) throws(Failure) -> Launched {
        let targets = AgentTarget.from(spec, overrides: s.agentOverrides)
        let policy = FreePolicy(spec.dashboard)
        let every = s.intervalSeconds ?? Double(spec.monitoring.scrapeIntervalSeconds.value)
        let source: any ClusterSource
        if let prometheus = s.prometheus {
            source = PrometheusSource(baseURL: prometheus, targets: targets, queries: PrometheusQueries(
                idleWindowSeconds: Int(policy.idleSeconds), idleRatio: policy.idleUtilizationPercent / 100,
                scrapeIntervalSeconds: spec.monitoring.scrapeIntervalSeconds.value))
        } else {
            source = EmbeddedSource(targets: targets, timeout: .milliseconds(Int(s.timeoutSeconds * 1000)))
        }
        var history: HistoryStore?
        // Prometheus keeps its own history; the embedded backend keeps ours.
        if let path = s.historyPath, s.prometheus == nil {
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                history = try HistoryStore(path: path)
            } catch {
                throw Failure(description: "cannot open history \(path): \(error)")
            }
        }
        var config = DashboardApp.Config(clusterName: spec.cluster.name.value)
        config.pollMs = Int(s.pollSeconds * 1000)
        config.staleAfter = max(30, every * 4)
        config.detailFrom = try detailNetworks(s.detailFrom, spec)
        let monitor = FleetMonitor(source: source, policy: policy, interval: .milliseconds(Int(every * 1000)))
        return Launched(app: DashboardApp(monitor: monitor, history: history, config: config,
                                          reporter: s.notifyURL.map { ConditionReporter(notifyURL: $0) }),
                        summary: "\(targets.count) GPU nodes, \(source.name) backend\(history.map { ", history in \($0.path)" } ?? "")")
    }

    /// Who sees pids, command lines and job names: the given networks, or by default the
    /// spec's own (non-public) networks and loopback.
    static func detailNetworks(_ texts: [String], _ spec: ClusterSpec) throws(Failure) -> [CIDR] {
        guard !texts.isEmpty else {
            return [CIDR("127.0.0.0/8")].compactMap { $0 } + spec.networks.filter { $0.scope != .public }.map(\.cidr.value)
        }
        var nets: [CIDR] = []
        for text in texts {
            guard let c = CIDR(text) else { throw Failure(description: "--detail-from: '\(text)' is not a network (e.g. 10.10.0.0/24)") }
            nets.append(c)
        }
        return nets
    }
}
