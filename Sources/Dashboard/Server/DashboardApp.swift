import Fleet
import Spec
import FleetSources
import Foundation
import History
import Synchronization

/// Everything the dashboard serves, rendered from the monitor's latest snapshot and the
/// history store. Pages never wait on agents or Prometheus: those are read by the monitor loop.
public final class DashboardApp: Sendable {
    public struct Config: Sendable {
        public var clusterName: String
        /// How often the page asks for an update.
        public var pollMs = 5000
        /// A snapshot older than this is announced as stale.
        public var staleAfter: Double = 60
        /// Rendered history charts are reused this long (history changes by the minute).
        public var chartCacheSeconds: Double = 20
        /// Requests from these networks see process detail (pids, command lines, job names);
        /// everyone else sees states and holders only. The spec's internal networks and loopback
        /// (SSH tunnels through the bastion are authenticated) by default.
        public var detailFrom: [CIDR] = [CIDR("127.0.0.0/8")].compactMap { $0 }
        public init(clusterName: String) { self.clusterName = clusterName }

        public func audience(of address: IPv4?) -> Audience {
            guard let address, detailFrom.contains(where: { $0.contains(address) }) else { return .outside }
            return .inside
        }
    }

    /// Who asks: from the cluster's own networks (detail), or from anywhere else.
    public enum Audience: Sendable, Hashable { case inside, outside }

    public let monitor: FleetMonitor
    public let history: HistoryStore?
    public let config: Config
    private let charts = Mutex<[HistoryStore.Range: (at: Double, html: String)]>([:])
    private let historyError = Mutex<String?>(nil)
    /// What was rendered for the current generation: a snapshot changes once per round, pages
    /// and API answers are asked for far more often (a thousand-node snapshot is megabytes).
    private let rendered = Mutex<[Audience: Rendered]>([:])

    struct Rendered {
        var generation = -1
        /// The snapshot this audience sees (outside: without process detail).
        var snapshot: ClusterSnapshot?
        var snapshotJSON: Data?
        var live: [String: String] = [:]
        /// Views are named by request (any user or node name): only so many are kept.
        static let maxViews = 256
    }

    /// Raises the core conditions without Prometheus (`dashboard --notify URL`).
    let reporter: ConditionReporter?

    public init(monitor: FleetMonitor, history: HistoryStore?, config: Config, reporter: ConditionReporter? = nil) {
        self.monitor = monitor
        self.history = history
        self.config = config
        self.reporter = reporter
    }

    /// The collection loop: rounds on the monitor's interval, each recorded in history and,
    /// with `--notify`, its conditions handed to notify.
    public func runCollection() async {
        await monitor.run { [self] snap in
            await reporter?.report(snap)
            guard let history else { return }
            do {
                try await history.record(snap, interval: Double(monitor.interval.components.seconds))
                historyError.withLock { $0 = nil }
            } catch {
                historyError.withLock { $0 = "history not written: \(error)" }
            }
        }
    }

    // MARK: pages

    public enum View: Sendable, Equatable {
        case board, users, node(String), user(String)

        /// `data-view` value the page's script sends back to /api/v1/live.
        var token: String {
            switch self {
            case .board: return "board"
            case .users: return "users"
            case .node(let n): return "node:" + n
            case .user(let u): return "user:" + u
            }
        }

        init?(token: String) {
            if token == "" || token == "board" { self = .board; return }
            if token == "users" { self = .users; return }
            if token.hasPrefix("node:") { self = .node(String(token.dropFirst(5))); return }
            if token.hasPrefix("user:") { self = .user(String(token.dropFirst(5))); return }
            return nil
        }
    }

    /// Changes this audience's cache, started afresh when the generation moved on.
    private func cached<T>(_ a: Audience, _ generation: Int, _ change: (inout Rendered) -> T) -> T {
        rendered.withLock { all in
            var r = all[a] ?? Rendered()
            if r.generation != generation { r = Rendered(); r.generation = generation }
            let out = change(&r)
            all[a] = r
            return out
        }
    }

    /// The latest snapshot as this audience may see it (computed once per generation).
    public func snapshot(for a: Audience) -> ClusterSnapshot {
        let s = monitor.latest
        guard a == .outside else { return s }
        if let r = cached(a, s.generation, { $0.snapshot }) { return r }
        let redacted = s.withoutProcessDetail()
        cached(a, s.generation) { $0.snapshot = redacted }
        return redacted
    }

    /// The snapshot as JSON (`/api/v1/snapshot`), encoded once per generation and audience.
    public func snapshotJSON(for a: Audience = .inside) -> Data {
        let s = snapshot(for: a)
        if let d = cached(a, s.generation, { $0.snapshotJSON }) { return d }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = (try? e.encode(s)) ?? Data("{}".utf8)
        cached(a, s.generation) { $0.snapshotJSON = data }
        return data
    }

    /// nil when the view names a node that is not in the cluster. Rendered once per generation.
    public func live(_ view: View, _ s: ClusterSnapshot, audience a: Audience = .inside, now: Double) -> String? {
        let key = view.token
        if let html = cached(a, s.generation, { $0.live[key] }) { return html }
        guard let html = render(view, s, now: now) else { return nil }
        cached(a, s.generation) { r in if r.live.count < Rendered.maxViews { r.live[key] = html } }
        return html
    }

    /// The live part of a view, rendered now (no cache).
    public func render(_ view: View, _ s: ClusterSnapshot, now: Double) -> String? {
        switch view {
        case .board: return BoardView.live(s, now: now)
        case .users: return DetailPages.users(s, now: now)
        case .user(let u): return DetailPages.user(u, s, now: now)
        case .node(let n):
            guard let node = s.nodes.first(where: { $0.name == n }) else { return nil }
            return DetailPages.node(node, now: now)
        }
    }

    public func page(_ view: View, range: HistoryStore.Range = .day, audience a: Audience = .inside, nonce: String,
                     now: Double = Date().timeIntervalSince1970) async -> String? {
        let s = snapshot(for: a)
        guard let live = live(view, s, audience: a, now: now) else { return nil }
        var rest = ""
        if view == .board, let history { rest = await historyCharts(history, range: range, now: now) }
        let title: String
        switch view {
        case .board: title = "GPU board"
        case .users: title = "Users"
        case .node(let n): title = n
        case .user(let u): title = u
        }
        return Layout.page(title: title, cluster: config.clusterName, view: view.token, generation: s.generation,
                           pollMs: config.pollMs, nonce: nonce, banner: banner(s, now: now), updated: updated(s, now: now),
                           live: live, rest: rest, footer: await footer(s, audience: a))
    }

    func historyCharts(_ store: HistoryStore, range: HistoryStore.Range, now: Double) async -> String {
        if let c = charts.withLock({ $0[range] }), now - c.at < config.chartCacheSeconds { return c.html }
        let html = await HistoryView.render(store: store, range: range, now: now)
        charts.withLock { $0[range] = (now, html) }
        return html
    }

    public func banner(_ s: ClusterSnapshot, now: Double) -> String? {
        var parts: [String] = []
        if s.generation == 0 { parts.append("Waiting for the first collection round…") }
        else if now - s.takenAt > config.staleAfter {
            parts.append("Data is stale: the last collection round finished \(SnapshotBuilder.duration(now - s.takenAt)) ago.")
        }
        if let e = s.sourceError { parts.append("Source down: \(e). Showing the last good data.") }
        if let e = historyError.withLock({ $0 }) { parts.append(e) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    func updated(_ s: ClusterSnapshot, now: Double) -> String {
        s.generation == 0 ? "never" : "\(HTML.time(s.takenAt)) (\(SnapshotBuilder.duration(now - s.takenAt)) ago)"
    }

    func footer(_ s: ClusterSnapshot, audience: Audience = .inside) async -> String {
        var f = audience == .outside ? "process detail (commands, jobs) is shown on the cluster's own networks only · " : ""
        f += "source: \(HTML.escape(s.source)) · \(s.totals.nodesUp)/\(s.totals.nodes) nodes answering"
        f += " · free = no process and under \(s.policy.freeMemoryBytes >> 20) MiB; idle-held = ≤ \(SnapshotBuilder.number(s.policy.idleUtilizationPercent)) % for \(SnapshotBuilder.duration(s.policy.idleSeconds))"
        if let history { f += " · history \(history.fileBytes >> 20) MiB" }
        return f
    }

    // MARK: JSON

    public struct Live: Codable, Sendable {
        public var generation: Int
        public var takenAt: Double
        public var updated: String
        public var banner: String?
        public var error: Bool
        public var html: String
    }

    public func liveJSON(_ view: View, audience a: Audience = .inside, now: Double = Date().timeIntervalSince1970) -> Live? {
        let s = snapshot(for: a)
        guard let html = live(view, s, audience: a, now: now) else { return nil }
        let b = banner(s, now: now)
        return Live(generation: s.generation, takenAt: s.takenAt, updated: updated(s, now: now), banner: b,
                    error: s.sourceError != nil || (s.generation > 0 && now - s.takenAt > config.staleAfter), html: html)
    }

    public struct FreeAnswer: Codable, Sendable {
        public var min: Int
        public var freeGPUs: Int
        /// Nodes with at least `min` free GPUs, and which.
        public var nodes: [FreeNode]
    }
    public struct FreeNode: Codable, Sendable {
        public var node: String
        public var gpus: [GPUView]
    }

    public func free(min k: Int, audience a: Audience = .inside) -> FreeAnswer {
        let s = snapshot(for: a)
        let nodes = s.nodes.filter(\.up).compactMap { n -> FreeNode? in
            let f = n.gpus.filter { $0.state == .free }
            return f.count >= k ? FreeNode(node: n.name, gpus: f) : nil
        }
        return FreeAnswer(min: k, freeGPUs: s.totals.free, nodes: nodes)
    }

    public struct HistoryAnswer: Codable, Sendable {
        public var range: HistoryStore.Range
        public var points: [HistoryStore.Point]
        public var gpuHoursByUser: [HistoryStore.UserDay]
        public var store: HistoryStore.Stats
    }

    public func historyJSON(_ range: HistoryStore.Range, now: Double = Date().timeIntervalSince1970) async throws -> HistoryAnswer? {
        guard let history else { return nil }
        return HistoryAnswer(range: range, points: try await history.cluster(range, now: now),
                             gpuHoursByUser: try await history.gpuHoursByUser(days: 30, now: now),
                             store: try await history.stats())
    }

    /// 200 when the data is fresh; 503 with the reason otherwise.
    public func health(now: Double = Date().timeIntervalSince1970) -> (ok: Bool, text: String) {
        let s = monitor.latest
        if s.generation == 0 { return (false, "no collection round yet") }
        if now - s.takenAt > config.staleAfter { return (false, "stale: last round \(Int(now - s.takenAt)) s ago") }
        if let e = s.sourceError { return (false, e) }
        if let e = historyError.withLock({ $0 }) { return (false, e) }
        return (true, "ok: \(s.totals.nodesUp)/\(s.totals.nodes) nodes, \(s.totals.free) of \(s.totals.gpus) GPUs free")
    }
}
