import NodeReport
import ArgumentParser
import Dashboard
import Demo
import Fleet
import FleetSources
import Foundation
import History

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A simulated GPU cluster on loopback: real agents on the simulated NVML library, and the dashboard.",
        discussion: """
        Starts one `gpucluster agent` per simulated node (GPUs from the simulated libnvidia-ml.so.1),
        the embedded collector and the dashboard, then prints the URL. Jobs come and go, a GPU
        is held idle, and a node goes down and comes back. A week of history is filled in from
        the same script so the graphs have something to show. Ctrl-C stops everything.
        """)

    @Option(help: "Address for the dashboard.") var host = "127.0.0.1"
    @Option(help: "Dashboard port (0 picks a free one).") var port = 8080
    @Option(help: "Simulated nodes.") var nodes = 6
    @Option(help: "Seconds per step of the story.") var step: Double = 5
    @Option(help: "Seconds between collection rounds.") var interval: Double = 2
    @Option(help: "Seconds between the page's live updates.") var poll: Double = 2
    @Option(help: "Days of history to fill in (0: none).") var backfillDays: Double = 7
    @Option(help: "The simulated libnvidia-ml.so.1 (default: beside the executable, or $GPUCLUSTER_SIMNVML_DIR).") var simnvml: String?
    @Option(help: "Working directory (default: a new one under /tmp, removed on exit).") var dir: String?
    @Flag(help: "Include a process whose name is HTML, to see it shown as text.") var hostile = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard (1...64).contains(nodes) else { throw ValidationError("--nodes must be 1…64") }
        guard (0.5...600).contains(step) else { throw ValidationError("--step must be 0.5…600 seconds") }
        guard (0.2...60).contains(interval) else { throw ValidationError("--interval must be 0.2…60 seconds") }
        guard (0.2...60).contains(poll) else { throw ValidationError("--poll must be 0.2…60 seconds") }
        guard (0...30).contains(backfillDays) else { throw ValidationError("--backfill-days must be 0…30") }
    }

    func run() async throws {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let executable = FileManager.default.isExecutableFile(atPath: exe) ? exe : "/proc/self/exe"
        guard let lib = DemoCluster.findSimLibrary(explicit: simnvml, executable: executable) else {
            printError("""
                gpucluster demo: the simulated NVML library was not found.
                Build it with `scripts/build-simnvml .build/simnvml` (beside .build/debug), or pass --simnvml PATH.
                """)
            throw ExitCode(1)
        }
        let work = dir ?? NSTemporaryDirectory() + "gpucluster-demo-\(getpid())"
        let removeWork = dir == nil
        var options = DemoCluster.Options(directory: work, executable: executable, simLibrary: lib)
        options.nodes = nodes
        options.step = step
        options.agentInterval = min(1, interval)
        options.hostile = hostile
        let cluster = DemoCluster(options: options)
        defer {
            cluster.stop()
            if removeWork { try? FileManager.default.removeItem(atPath: work) }
        }
        do { try cluster.start() } catch {
            printError("gpucluster demo: cannot start the simulated nodes: \(error)")
            throw ExitCode(1)
        }
        // Idle-held after 4 steps, not 30 minutes: the demo's story is short.
        let policy = FreePolicy(idleSeconds: step * 4)
        let history = try HistoryStore(path: "\(work)/history.sqlite")
        if backfillDays > 0 {
            printError("demo: filling in \(Self.daysText(backfillDays)) of history…")
            try await cluster.backfill(into: history, seconds: backfillDays * 86_400, every: 900, policy: policy)
        }
        let monitor = FleetMonitor(source: EmbeddedSource(targets: cluster.targets, timeout: .seconds(1)),
                                   policy: policy, interval: .milliseconds(Int(interval * 1000)))
        var config = DashboardApp.Config(clusterName: "demo-lab")
        config.pollMs = Int(poll * 1000)
        config.staleAfter = max(5, interval * 4)
        let app = DashboardApp(monitor: monitor, history: history, config: config)
        let story = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(step * 500)))
                try? cluster.tick(now: Date().timeIntervalSince1970)
            }
        }
        defer { story.cancel() }
        printError("demo: \(nodes) simulated nodes, agents on 127.0.0.1 ports \(cluster.ports.map(String.init).joined(separator: ", ")); files in \(work)")
        try await DashboardServer.run(app, host: host, port: port) { bound in
            FileHandle.standardOutput.write(Data("demo dashboard: http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(bound)/\n".utf8))
        }
    }

    static func daysText(_ d: Double) -> String { d == 1 ? "1 day" : "\(Int(d)) days" }
}
