import NodeReport
import WebClient
import Fleet
import Foundation
import Synchronization

/// The same observations from Prometheus' HTTP API (`/api/v1/query`), for clusters that
/// already run it. Series carry the spec's node name in the `node` label (the generated
/// scrape config sets it). Per-process detail (pids, commands) is not in Prometheus by design,
/// so GPUs have users and counts here, not processes.
public final class PrometheusSource: ClusterSource {
    public let name = "prometheus"
    public let baseURL: String
    public let targets: [AgentTarget]
    public let queries: PrometheusQueries
    let fetcher: any HTTPFetcher
    let timeout: Duration
    private let memory = Mutex<[String: NodeMemory]>([:])
    private let lastRound = Mutex<[NodeObservation]?>(nil)

    public init(baseURL: String, targets: [AgentTarget], queries: PrometheusQueries,
                fetcher: any HTTPFetcher = AsyncHTTPFetcher(), timeout: Duration = .milliseconds(1500)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.targets = targets
        self.queries = queries
        self.fetcher = fetcher
        self.timeout = timeout
    }

    public func observe() async -> SourceRound {
        let list = queries.all
        var answers: [String: [PromSample]] = [:]
        var failure: String?
        await withTaskGroup(of: (String, Result<[PromSample], FetchProblem>).self) { group in
            for q in list { group.addTask { [self] in (q, await query(q)) } }
            for await (q, r) in group {
                switch r {
                case .success(let s): answers[q] = s
                case .failure(let p): failure = failure ?? p.message
                }
            }
        }
        if let failure {
            // Prometheus itself is unreachable: keep showing what it last said, and say so.
            let last = lastRound.withLock { $0 } ?? targets.map {
                NodeObservation(name: $0.name, expectedGPUs: $0.expectedGPUs, tags: $0.tags, reachable: false, problem: "no data yet")
            }
            return SourceRound(observations: last, sourceError: "Prometheus at \(baseURL): \(failure)")
        }
        let obs = assemble(answers)
        lastRound.withLock { $0 = obs }
        return SourceRound(observations: obs)
    }

    func assemble(_ a: [String: [PromSample]]) -> [NodeObservation] {
        let q = queries
        func byNode(_ query: String) -> [String: Double] {
            var out: [String: Double] = [:]
            for s in a[query] ?? [] { if let n = s.node { out[n] = s.value } }
            return out
        }
        func byGPU(_ query: String) -> [GPUKey: Double] {
            var out: [GPUKey: Double] = [:]
            for s in a[query] ?? [] { if let k = s.gpuKey { out[k] = s.value } }
            return out
        }
        let up = byNode(q.up), backend = byNode(q.backendUp), seen = byNode(q.lastCollection), expected = byNode(q.expected)
        let gpuUp = byGPU(q.gpuUp), used = byGPU(q.memoryUsed), total = byGPU(q.memoryTotal)
        let util = byGPU(q.utilization), temp = byGPU(q.temperature), procs = byGPU(q.processes)
        let idle = byGPU(q.idleHeld), remapF = byGPU(q.remapFailed), remapP = byGPU(q.remapPending)
        var users: [GPUKey: [String]] = [:]
        for s in a[q.userProcesses] ?? [] where s.value > 0 {
            if let k = s.gpuKey, let u = s.labels["user"] { users[k, default: []].append(u) }
        }
        var xids: [GPUKey: [String]] = [:]
        for s in a[q.fatalXIDs] ?? [] {
            if let k = s.gpuKey, let x = s.labels["xid"], let code = UInt64(x) {
                xids[k, default: []].append("XID \(x) (\(FatalXID.catalogue[code] ?? "error"))")
            }
        }
        // The driver stack, per node: one sample per problem, the versions as labels.
        var drivers: [String: DriverHealth] = [:]
        for s in a[q.driverProblems] ?? [] {
            guard let node = s.node, let reason = s.labels["reason"].flatMap(DriverHealth.Problem.init(rawValue:)) else { continue }
            var d = drivers[node] ?? DriverHealth()
            if !d.problems.contains(reason) { d.problems.append(reason) }
            d.loadedVersion = d.loadedVersion ?? s.labels["loaded_version"].flatMap { $0.isEmpty ? nil : $0 }
            d.libraryVersion = d.libraryVersion ?? s.labels["library_version"].flatMap { $0.isEmpty ? nil : $0 }
            drivers[node] = d
        }
        // Maintenance, per node: the labels are digits and a fixed word (or dropped), as the
        // agent's own state file is read; the start time is bounded with the rest (`bounded(now:)`).
        var maintenance: [String: Maintenance] = [:]
        for s in a[q.maintenance] ?? [] {
            guard let node = s.node, let kind = s.labels["kind"] else { continue }
            func release(_ label: String) -> Int? {
                s.labels[label].flatMap { StateFileLines.number($0[...], maxDigits: 3) }
            }
            maintenance[node] = Maintenance(kind: Maintenance.Kind(rawValue: kind) ?? .other, since: s.value,
                                            fromRelease: release("from_release"), toRelease: release("to_release"))
        }
        var gpusOf: [String: [GPUObservation]] = [:]
        for s in a[q.info] ?? [] {
            guard let k = s.gpuKey else { continue }
            var health: [String] = []
            if remapF[k] != nil { health.append("row remapping failed") }
            if remapP[k] != nil { health.append("row remap pending (reset needed)") }
            health += xids[k] ?? []
            let g = GPUObservation(
                index: k.index, uuid: k.uuid, name: s.labels["name"] ?? "?", up: (gpuUp[k] ?? 1) > 0,
                error: (gpuUp[k] ?? 1) > 0 ? nil : "GPU lost",
                memoryUsedBytes: used[k].flatMap(ObservationBounds.bytes), memoryTotalBytes: total[k].flatMap(ObservationBounds.bytes),
                utilization: util[k].map { $0 * 100 }, temperatureCelsius: temp[k],
                processCount: procs[k].flatMap(ObservationBounds.int) ?? 0, users: (users[k] ?? []).sorted(),
                healthProblem: health.isEmpty ? nil : health.sorted().joined(separator: "; "),
                idleForWindow: idle[k] != nil)
            gpusOf[k.node, default: []].append(g)
        }
        let now = Date().timeIntervalSince1970
        return memory.withLock { mem in
            targets.map { t in
                let result: Result<NodeObservation, FetchProblem>
                if let u = up[t.name], u > 0 {
                    let backendUp = (backend[t.name] ?? 0) > 0
                    var o = NodeObservation(
                        name: t.name, expectedGPUs: t.expectedGPUs ?? expected[t.name].flatMap(ObservationBounds.int), tags: t.tags,
                        reachable: true, lastSeen: seen[t.name] ?? now, backendUp: backendUp,
                        backendError: backendUp ? nil : "the agent reports no working GPU backend",
                        gpus: (gpusOf[t.name] ?? []).sorted { $0.index < $1.index })
                    o.driver = drivers[t.name]
                    o.maintenance = maintenance[t.name]
                    result = .success(o)
                } else {
                    result = .failure(FetchProblem(message: up[t.name] == nil ? "not scraped by Prometheus" : "Prometheus cannot scrape the agent"))
                }
                return mem[t.name, default: NodeMemory()].record(t, result, now: now)
            }
        }
    }

    func query(_ promql: String) async -> Result<[PromSample], FetchProblem> {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=?#")
        guard let encoded = promql.addingPercentEncoding(withAllowedCharacters: allowed) else {
            return .failure(FetchProblem(message: "cannot encode query"))
        }
        let answer: (status: Int, body: Data)
        do {
            answer = try await fetcher.get("\(baseURL)/api/v1/query?query=\(encoded)", timeout: timeout, maxBytes: 64 << 20)
        } catch {
            return .failure(FetchProblem(message: error.description))
        }
        guard let r = try? JSONDecoder().decode(PromResponse.self, from: answer.body) else {
            return .failure(FetchProblem(message: "HTTP \(answer.status), not a Prometheus answer"))
        }
        guard r.status == "success", let data = r.data else {
            return .failure(FetchProblem(message: "query failed: \(r.error ?? "HTTP \(answer.status)")"))
        }
        return .success(data.result.compactMap { e in
            // NaN, ±Inf and overflowing numbers ("1e400") are not readings.
            guard e.value.count == 2, case .string(let v) = e.value[1], let d = Double(v), d.isFinite else { return nil }
            return PromSample(labels: e.metric, value: d)
        })
    }
}

struct GPUKey: Hashable { var node: String; var index: Int; var uuid: String }

struct PromSample: Sendable {
    var labels: [String: String]
    var value: Double
    var node: String? { labels["node"] ?? labels["instance"] }
    var gpuKey: GPUKey? {
        guard let n = node, let g = labels["gpu"], let i = Int(g), let u = labels["uuid"] else { return nil }
        return GPUKey(node: n, index: i, uuid: u)
    }
}

struct PromResponse: Decodable {
    var status: String
    var data: PromData?
    var error: String?
}

struct PromData: Decodable {
    var resultType: String
    var result: [PromVectorEntry]
}

struct PromVectorEntry: Decodable {
    var metric: [String: String]
    var value: [PromScalar]
}

enum PromScalar: Decodable {
    case number(Double), string(String)
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .string(try c.decode(String.self)) }
    }
}
