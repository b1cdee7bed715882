import ArgumentParser
import Fleet

/// Options shared by the commands that read the agents (`dashboard`, `status`).
struct FleetOptions: ParsableArguments {
    @Option(name: .customLong("agent"), help: "NAME=HOST:PORT: read this node's agent there (repeatable).") var agents: [String] = []
    @Option(help: "Seconds before an agent that does not answer is marked down.") var timeout: Double = 2

    func validate() throws {
        guard (0.05...60).contains(timeout) else { throw ValidationError("--timeout must be 0.05…60 seconds") }
        for a in agents { if case .failure(let e) = AgentTarget.parseOverride(a) { throw ValidationError("--agent \(e)") } }
    }

    /// `--agent` as NAME → HOST:PORT (checked in `validate()`).
    var overrides: [String: String] {
        var out: [String: String] = [:]
        for a in agents { if case .success(let o) = AgentTarget.parseOverride(a) { out[o.name] = o.endpoint } }
        return out
    }

    var timeoutDuration: Duration { .milliseconds(Int(timeout * 1000)) }
}
