import ArgumentParser
import Dashboard
import Foundation
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
    @OptionGroup var fleet: FleetOptions
    @Option(help: "Seconds between collection rounds (default: the spec's scrapeInterval).") var interval: Double?
    @Option(help: "Seconds between the page's live updates.") var poll: Double = 5
    @Option(name: .customLong("detail-from"), parsing: .upToNextOption,
            help: "Networks (CIDR) whose requests see pids, command lines and job names (default: the spec's internal networks and loopback).")
    var detailFrom: [String] = []
    @Option(help: "Serve the cluster's own networks on this Unix socket instead of --host/--port (behind a socket unit).")
    var unixSocket: String?
    @Option(help: "Serve the public network (no process detail) on this Unix socket too.")
    var publicUnixSocket: String?
    @Option(help: "Hand node down, GPU lost/missing/unhealthy and idle-held conditions to gpucluster notify here (http://127.0.0.1:9095): alerts without Prometheus.")
    var notify: String?

    func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0…65535") }
        for case let path? in [unixSocket, publicUnixSocket] where !path.hasPrefix("/") || path.utf8.count > 100 {
            throw ValidationError("--unix-socket and --public-unix-socket must be absolute paths of at most 100 bytes")
        }
        if publicUnixSocket != nil && unixSocket == nil { throw ValidationError("--public-unix-socket needs --unix-socket") }
        if let interval, !(0.2...3600).contains(interval) { throw ValidationError("--interval must be 0.2…3600 seconds") }
        guard (0.2...600).contains(poll) else { throw ValidationError("--poll must be 0.2…600 seconds") }
        if let n = notify, !(n.hasPrefix("http://") || n.hasPrefix("https://")) || n.utf8.count > 2048 {
            throw ValidationError("--notify must be an http(s) URL")
        }
        if let p = prometheus, !(p.hasPrefix("http://") || p.hasPrefix("https://")) || p.utf8.count > 2048 {
            throw ValidationError("--prometheus must be an http(s) URL")
        }
    }

    func run() async throws {
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        var settings = DashboardLaunch.Settings()
        settings.prometheus = prometheus
        settings.historyPath = noHistory ? nil : db
        settings.agentOverrides = fleet.overrides
        settings.intervalSeconds = interval
        settings.timeoutSeconds = fleet.timeout
        settings.pollSeconds = poll
        settings.detailFrom = detailFrom
        settings.notifyURL = notify
        let launched: DashboardLaunch.Launched
        do { launched = try DashboardLaunch.make(spec, settings) } catch {
            printError("gpucluster dashboard: \(error)")
            throw ExitCode(1)
        }
        printError("gpucluster dashboard: \(launched.summary)")
        var listeners: [DashboardServer.Listener] = []
        if let unixSocket { listeners.append(.unixSocket(path: unixSocket, audience: .inside)) }
        if let publicUnixSocket { listeners.append(.unixSocket(path: publicUnixSocket, audience: .outside)) }
        if listeners.isEmpty { listeners = [.tcp(host: host, port: port ?? spec.dashboard.port.value)] }
        let host = self.host
        try await DashboardServer.run(launched.app, listeners: listeners) { listener, bound in
            switch listener {
            case .tcp: FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
            case .unixSocket(let path, let audience):
                FileHandle.standardOutput.write(Data("listening on unix:\(path) (\(audience == .inside ? "cluster networks" : "public"))\n".utf8))
            }
        }
    }
}
