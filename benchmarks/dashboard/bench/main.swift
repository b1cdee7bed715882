// Dashboard benchmark (benchmarks/dashboard/run builds and runs it in release mode):
//   history  30 simulated days of 100 nodes into SQLite → file size
//   serve    a 1,000-node × 8-GPU snapshot: /api/v1/snapshot and / over HTTP, p50/p99
//   collect  embedded rounds over N fake agents (fake_agents.py): CPU per round
// Prints one JSON object.
import NodeReport
import AsyncHTTPClient
import Dashboard
import Fleet
import FleetSources
import Foundation
import History
import NIOCore

struct Fixed: ClusterSource {
    let name = "embedded"
    let observations: [NodeObservation]
    func observe() async -> SourceRound { SourceRound(observations: observations) }
}

func cluster(nodes: Int, gpus: Int, at t: Double) -> [NodeObservation] {
    (0..<nodes).map { n in
        NodeObservation(name: String(format: "gpu%04d", n), expectedGPUs: gpus, reachable: n % 97 != 5, problem: n % 97 == 5 ? "timed out after 2 s" : nil,
                        lastSeen: t, backend: "nvml", driverVersion: "550.90.07", gpus: (0..<gpus).map { g in
            let busy = (n * 7 + g * 3 + Int(t / 900)) % 5 < 3
            let p = ProcessView(pid: Int32(10_000 + g), user: "user\((n + g) % 40)", command: "python train.py --config configs/run\(g).yaml",
                                memoryBytes: 20 << 30, job: "slurm \(4000 + n)", startTime: t - 3600)
            return GPUObservation(index: g, uuid: String(format: "GPU-%08x-0000-0000-0000-%012d", n, g), name: "NVIDIA H100 80GB HBM3",
                                  memoryUsedBytes: busy ? 20 << 30 : 3 << 20, memoryTotalBytes: 80 << 30, utilization: busy ? 87 : 0,
                                  temperatureCelsius: 50, processCount: busy ? 1 : 0, processes: busy ? [p] : [],
                                  users: busy ? [p.user] : [], jobs: busy ? [p.job] : [])
        })
    }
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

let args = CommandLine.arguments
var out: [String: Double] = [:]
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-bench-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

if args.contains("history") {
    // Rounds every 60 s for days 1–29 and every 15 s on the last day: the tables then hold
    // exactly what 15 s rounds leave (raw rows are kept one day; minutes 30 days; hours a year).
    let store = try HistoryStore(path: dir.appendingPathComponent("h.sqlite").path)
    let end = 1_790_000_000.0
    var t = end - 30 * 86_400
    var g = 0
    var builder = SnapshotBuilder(policy: FreePolicy())
    let started = Date()
    while t < end {
        g += 1
        let step: Double = t < end - 86_400 ? 60 : 15
        try await store.record(builder.build(cluster(nodes: 100, gpus: 8, at: t), now: t, generation: g, source: "bench"), interval: step)
        t += step
    }
    let s = try await store.stats()
    out["history_rounds"] = Double(g)
    out["history_seconds"] = Date().timeIntervalSince(started)
    out["history_file_mib"] = Double(s.fileBytes) / 1_048_576
    out["history_used_mib"] = Double(s.usedBytes) / 1_048_576
    let q0 = Date()
    _ = try await store.cluster(.month, now: end)
    out["history_30d_query_ms"] = Date().timeIntervalSince(q0) * 1000
}

if args.contains("serve") {
    let monitor = FleetMonitor(source: Fixed(observations: cluster(nodes: 1000, gpus: 8, at: Date().timeIntervalSince1970)), policy: FreePolicy())
    await monitor.round()
    let app = DashboardApp(monitor: monitor, history: nil, config: .init(clusterName: "bench"))
    let port = Int(args.first { $0.hasPrefix("--port=") }?.dropFirst(7) ?? "18099") ?? 18099
    let server = Task { try await DashboardServer.run(app, host: "127.0.0.1", port: port) { _ in } }
    try await Task.sleep(for: .seconds(1))
    for (name, path) in [("api", "/api/v1/snapshot"), ("page", "/")] {
        var times: [Double] = []
        var bytes = 0
        for i in 0..<220 {
            let t0 = ContinuousClock.now
            let r = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
            let body = try await r.body.collect(upTo: 256 << 20)
            let d = ContinuousClock.now - t0
            if i >= 20 { times.append(Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
            bytes = body.readableBytes
        }
        out["\(name)_p50_ms"] = percentile(times, 0.5)
        out["\(name)_p99_ms"] = percentile(times, 0.99)
        out["\(name)_kib"] = Double(bytes) / 1024
    }
    server.cancel()
    // The same work without the per-generation cache: what the first request after a round pays.
    let snap = monitor.latest
    var encode: [Double] = [], render: [Double] = []
    for _ in 0..<30 {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let t0 = ContinuousClock.now
        _ = try e.encode(snap)
        let t1 = ContinuousClock.now
        _ = app.render(.board, snap, now: snap.takenAt)
        let t2 = ContinuousClock.now
        encode.append(Double((t1 - t0).components.attoseconds) / 1e15 + Double((t1 - t0).components.seconds) * 1000)
        render.append(Double((t2 - t1).components.attoseconds) / 1e15 + Double((t2 - t1).components.seconds) * 1000)
    }
    out["api_uncached_p50_ms"] = percentile(encode, 0.5)
    out["page_uncached_p50_ms"] = percentile(render, 0.5)
}

if let portsFile = args.first(where: { $0.hasPrefix("--ports=") })?.dropFirst(8) {
    let ports = try String(contentsOfFile: String(portsFile), encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
    let targets = ports.enumerated().map { AgentTarget(name: String(format: "n%04d", $0.offset), endpoint: "127.0.0.1:\($0.element)", expectedGPUs: 8) }
    let monitor = FleetMonitor(source: EmbeddedSource(targets: targets), policy: FreePolicy())
    let store = try HistoryStore(path: dir.appendingPathComponent("c.sqlite").path)
    _ = await monitor.round()   // connections opened, caches warm
    let rounds = 10
    let c0 = cpuSeconds(), w0 = Date()
    var up = 0
    for _ in 0..<rounds {
        let s = await monitor.round()
        try await store.record(s, interval: 15)
        up = s.totals.nodesUp
    }
    out["collect_agents"] = Double(ports.count)
    out["collect_nodes_up"] = Double(up)
    out["collect_cpu_ms_per_round"] = (cpuSeconds() - c0) / Double(rounds) * 1000
    out["collect_wall_ms_per_round"] = Date().timeIntervalSince(w0) / Double(rounds) * 1000
}

try? await HTTPClient.shared.shutdown()
let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
