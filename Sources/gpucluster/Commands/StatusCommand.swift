import NodeReport
import ArgumentParser
import Fleet
import FleetSources
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Free GPUs in the terminal, for the whole cluster.",
        discussion: """
        Asks a dashboard (--dashboard URL: knows who holds GPUs idle) or, without one, reads
        every GPU node's agent directly, concurrently, each under --timeout.
        """)

    @Argument(help: "The spec file (not needed with --dashboard).") var file = "cluster.yaml"
    @Option(help: "A dashboard's URL (http://HOST:8080) to ask instead of the agents.") var dashboard: String?
    @OptionGroup var fleet: FleetOptions
    @Flag(help: "Only free GPUs.") var free = false
    @Option(help: "Only this user's GPUs.") var user: String?
    @Flag(help: "Print the snapshot as JSON.") var json = false
    @Flag(help: "Redraw every --every seconds until interrupted.") var watch = false
    @Option(help: "Seconds between redraws with --watch.") var every: Double = 5
    @Option(help: "Colour: auto, always or never.") var color = "auto"

    func validate() throws {
        guard ["auto", "always", "never"].contains(color) else { throw ValidationError("--color must be auto, always or never") }
        guard (0.5...3600).contains(every) else { throw ValidationError("--every must be 0.5…3600 seconds") }
        if let user, user.isEmpty || user.utf8.count > 256 { throw ValidationError("--user must be 1…256 bytes") }
        if free && user != nil { throw ValidationError("--free and --user cannot be combined") }
        if let d = dashboard, !(d.hasPrefix("http://") || d.hasPrefix("https://")) || d.utf8.count > 2048 {
            throw ValidationError("--dashboard must be an http(s) URL")
        }
    }

    func run() async throws {
        let fetch = try source()
        let tty = isatty(1) == 1
        let useColor = color == "always" || (color == "auto" && tty && ProcessInfo.processInfo.environment["NO_COLOR"] == nil)
        let filter: TerminalBoard.Filter = free ? .free : user.map { .user($0) } ?? .all
        repeat {
            let snap: ClusterSnapshot
            do { snap = try await fetch() } catch {
                printError("gpucluster status: \(error)")
                throw ExitCode(1)
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys]
                print(String(decoding: try enc.encode(snap.filtered(filter)), as: UTF8.self))
            } else {
                let board = TerminalBoard(color: useColor, filter: filter, now: Date().timeIntervalSince1970).render(snap)
                if watch && tty { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(board, terminator: "")
            }
            if watch { try await Task.sleep(for: .milliseconds(Int(every * 1000))) }
        } while watch
    }

    /// A closure giving one snapshot: from the dashboard's API, or one round over the agents.
    func source() throws -> @Sendable () async throws -> ClusterSnapshot {
        if let dashboard {
            let client = DashboardClient(baseURL: dashboard, timeout: fleet.timeoutDuration)
            return { try await client.snapshot() }
        }
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        let monitor = FleetMonitor(source: EmbeddedSource(targets: AgentTarget.from(spec, overrides: fleet.overrides), timeout: fleet.timeoutDuration),
                                   policy: FreePolicy(spec.dashboard))
        return { await monitor.round() }
    }
}
