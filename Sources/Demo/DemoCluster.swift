import NodeReport
import HostSystem
import Fleet
import Foundation
import History

/// `gpucluster demo`: real agent processes on the simulated NVML library, one per simulated
/// node, on loopback; the script moves jobs, holds a GPU idle and takes a node down and back.
public final class DemoCluster: @unchecked Sendable {
    public struct Options: Sendable {
        public var nodes = 6
        public var step: Double = 5
        public var agentInterval: Double = 1
        public var hostile = false
        public var directory: String
        public var executable: String
        public var simLibrary: String
        public init(directory: String, executable: String, simLibrary: String) {
            self.directory = directory; self.executable = executable; self.simLibrary = simLibrary
        }
    }

    public let options: Options
    public let script: DemoScript
    public private(set) var ports: [Int] = []
    private var agents: [ChildProcess?] = []
    private let lock = NSLock()

    public init(options: Options, now: Double = Date().timeIntervalSince1970) {
        self.options = options
        let origin = now - Double(DemoScript.openingStep) * options.step
        script = DemoScript(nodeCount: options.nodes, step: options.step, origin: origin, hostile: options.hostile)
    }

    public var targets: [AgentTarget] {
        script.nodes.enumerated().map { i, n in
            AgentTarget(name: n.name, endpoint: "127.0.0.1:\(ports[i])", expectedGPUs: n.gpus, tags: [n.model])
        }
    }

    func nodeDir(_ i: Int) -> String { "\(options.directory)/\(script.nodes[i].name)" }

    /// Writes the first state, picks ports and starts the agents.
    public func start() throws {
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        var passwd = "root:x:0:0:root:/root:/bin/bash\n"
        for u in DemoScript.users { passwd += "\(u.name):x:\(u.uid):\(u.uid)::/home/\(u.name):/bin/bash\n" }
        passwd += "mallory:x:2099:2099::/home/mallory:/bin/bash\n"
        try Data(passwd.utf8).write(to: URL(fileURLWithPath: "\(options.directory)/passwd"))
        ports = try script.nodes.map { _ in try FreePort.loopback() }
        agents = Array(repeating: nil, count: script.nodes.count)
        try tick(now: Date().timeIntervalSince1970)
    }

    /// Brings files and agents in line with the script at `now`.
    public func tick(now: Double) throws {
        lock.lock(); defer { lock.unlock() }
        for (i, s) in script.state(at: now).enumerated() {
            let dir = nodeDir(i)
            try FakeProc(root: "\(dir)/proc", bootTime: script.origin - 86_400).write(s.jobs)
            try FakeProc(root: dir, bootTime: 0).atomically("\(dir)/scenario.txt", script.scenario(s, nodeIndex: i).text)
            let running = agents[i]?.isRunning ?? false
            if s.up && !running {
                agents[i] = try ChildProcess(options.executable, [
                    "agent", "--host", "127.0.0.1", "--port", String(ports[i]), "--interval", String(options.agentInterval),
                    "--nvml", options.simLibrary, "--proc", "\(dir)/proc", "--passwd", "\(options.directory)/passwd",
                    "--smartctl", "", "--exit-with-parent", "--expected-gpus", String(s.node.gpus), "--hostname", s.node.name,
                ], environment: ["GPUCLUSTER_SIM_SCENARIO": "\(dir)/scenario.txt", "PATH": "/usr/bin:/bin"],
                   logFile: "\(dir)/agent.log")
            } else if !s.up, let a = agents[i] {
                a.stop()
                agents[i] = nil
            }
        }
    }

    /// Stop one node's agent now (tests use it to show a node going down).
    public func stopAgent(_ i: Int) {
        lock.lock(); defer { lock.unlock() }
        agents[i]?.stop()
        agents[i] = nil
    }

    public func stop() {
        lock.lock(); defer { lock.unlock() }
        for a in agents { a?.stop() }
        agents = []
    }

    /// Snapshots of the script's past (every `every` seconds over `seconds`) into history,
    /// so the demo's graphs have a week to show.
    public func backfill(into store: HistoryStore, seconds: Double, every: Double, policy: FreePolicy) async throws {
        var builder = SnapshotBuilder(policy: policy)
        let end = script.origin + Double(DemoScript.openingStep) * script.step
        var t = end - seconds
        var generation = 0
        while t < end {
            let observations = script.state(at: t).enumerated().map { i, s -> NodeObservation in
                let sc = script.scenario(s, nodeIndex: i)
                let gpus = sc.gpus.enumerated().map { g, gpu -> GPUObservation in
                    let jobs = s.jobs.filter { $0.gpus.contains(g) }
                    return GPUObservation(index: g, uuid: gpu.uuid, name: gpu.name, memoryUsedBytes: UInt64(gpu.memoryUsedMiB) << 20,
                                          memoryTotalBytes: UInt64(gpu.memoryTotalMiB) << 20,
                                          utilization: Double(gpu.utilization.first ?? 0), processCount: jobs.count,
                                          users: Array(Set(jobs.map(\.user))).sorted())
                }
                return NodeObservation(name: s.node.name, expectedGPUs: s.node.gpus, reachable: s.up,
                                       problem: s.up ? nil : "demo: node down", gpus: gpus)
            }
            generation += 1
            try await store.record(builder.build(observations, now: t, generation: generation, source: "backfill"), interval: every)
            t += every
        }
    }
}
