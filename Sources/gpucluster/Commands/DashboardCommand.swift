import NodeReport
import ArgumentParser
import Dashboard
import Fleet
import FleetSources
import Foundation
import History
import Spec

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The web dashboard: which GPUs are free, who holds them, history.",
        discussion: """
        Embedded backend (default): reads every GPU node's agent concurrently, each under a
        deadline, and keeps history in SQLite. Prometheus backend: the same views from a
        Prometheus server that scrapes the agents (--prometheus URL). API: docs/api.md.
        """)

    @Argument(help: "The spec file.") var file = "cluster.yaml"
    @Option(help: "Address to bind.") var host = "0.0.0.0"
    @Option(help: "Port (default: the spec's dashboard.port; 0 picks a free one).") var port: Int?
    @Option(help: "Read from this Prometheus (http://HOST:9090) instead of the agents.") var prometheus: String?
    @Option(help: "SQLite history file (embedded backend).") var db = "/var/lib/gpucluster/dashboard.sqlite"
    @Flag(help: "Keep no history.") var noHistory = false
    @Option(name: .customLong("agent"), help: "NAME=HOST:PORT: read this node's agent there (repeatable).") var agents: [String] = []
    @Option(help: "Seconds between collection rounds (default: the spec's scrapeInterval).") var interval: Double?
    @Option(help: "Seconds before an agent that does not answer is marked down.") var timeout: Double = 2
    @Option(help: "Seconds between the page's live updates.") var poll: Double = 5
    @Option(name: .customLong("detail-from"), parsing: .upToNextOption,
            help: "Networks (CIDR) whose requests see pids, command lines and job names (default: the spec's internal networks and loopback).")
    var detailFrom: [String] = []
    @Option(help: "Serve the cluster's own networks on this Unix socket instead of --host/--port (behind a socket unit).")
    var unixSocket: String?
    @Option(help: "Serve the public network (no process detail) on this Unix socket too.")
    var publicUnixSocket: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
        for case let path? in [unixSocket, publicUnixSocket] where !path.hasPrefix("/") || path.utf8.count > 100 {
            throw ValidationError("--unix-socket and --public-unix-socket must be absolute paths of at most 100 bytes")
        }
        if publicUnixSocket != nil && unixSocket == nil { throw ValidationError("--public-unix-socket needs --unix-socket") }
        if let interval, !(0.2...3600).contains(interval) { throw ValidationError("--interval must be 0.2…3600 seconds") }
        guard (0.05...60).contains(timeout) else { throw ValidationError("--timeout must be 0.05…60 seconds") }
        guard (0.2...600).contains(poll) else { throw ValidationError("--poll must be 0.2…600 seconds") }
        for a in agents { if case .failure(let e) = AgentTarget.parseOverride(a) { throw ValidationError("--agent \(e)") } }
        if let p = prometheus, !(p.hasPrefix("http://") || p.hasPrefix("https://")) || p.utf8.count > 2048 {
            throw ValidationError("--prometheus must be an http(s) URL")
        }
    }

    func run() async throws {
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        let targets = AgentTarget.from(spec, overrides: overrides(agents))
        let policy = FreePolicy(spec.dashboard)
        let every = interval ?? Double(spec.monitoring.scrapeIntervalSeconds.value)
        let source: any ClusterSource
        if let prometheus {
            source = PrometheusSource(baseURL: prometheus, targets: targets, queries: PrometheusQueries(
                idleWindowSeconds: Int(policy.idleSeconds), idleRatio: policy.idleUtilizationPercent / 100,
                scrapeIntervalSeconds: spec.monitoring.scrapeIntervalSeconds.value))
        } else {
            source = EmbeddedSource(targets: targets, timeout: .milliseconds(Int(timeout * 1000)))
        }
        var history: HistoryStore?
        if !noHistory && prometheus == nil {
            do {
                try FileManager.default.createDirectory(atPath: (db as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                history = try HistoryStore(path: db)
            } catch {
                printError("cannot open history \(db): \(error)")
                throw ExitCode(1)
            }
        }
        let monitor = FleetMonitor(source: source, policy: policy, interval: .milliseconds(Int(every * 1000)))
        var config = DashboardApp.Config(clusterName: spec.cluster.name.value)
        config.pollMs = Int(poll * 1000)
        config.staleAfter = max(30, every * 4)
        if detailFrom.isEmpty {
            config.detailFrom = [CIDR("127.0.0.0/8")].compactMap { $0 } + spec.networks.filter { $0.scope != .public }.map(\.cidr.value)
        } else {
            var nets: [CIDR] = []
            for text in detailFrom {
                guard let c = CIDR(text) else { printError("--detail-from: '\(text)' is not a network (e.g. 10.10.0.0/24)"); throw ExitCode(1) }
                nets.append(c)
            }
            config.detailFrom = nets
        }
        let app = DashboardApp(monitor: monitor, history: history, config: config)
        printError("gpucluster dashboard: \(targets.count) GPU nodes, \(source.name) backend\(history.map { ", history in \($0.path)" } ?? "")")
        var listeners: [DashboardServer.Listener] = []
        if let unixSocket { listeners.append(.unixSocket(path: unixSocket, audience: .inside)) }
        if let publicUnixSocket { listeners.append(.unixSocket(path: publicUnixSocket, audience: .outside)) }
        if listeners.isEmpty { listeners = [.tcp(host: host, port: port ?? spec.dashboard.port.value)] }
        let host = self.host
        try await DashboardServer.run(app, listeners: listeners) { listener, bound in
            switch listener {
            case .tcp: FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
            case .unixSocket(let path, let audience):
                FileHandle.standardOutput.write(Data("listening on unix:\(path) (\(audience == .inside ? "cluster networks" : "public"))\n".utf8))
            }
        }
    }
}

/// `--agent NAME=HOST:PORT` options, already checked in `validate()`.
func overrides(_ list: [String]) -> [String: String] {
    var out: [String: String] = [:]
    for a in list { if case .success(let o) = AgentTarget.parseOverride(a) { out[o.name] = o.endpoint } }
    return out
}
