import NodeReport
import Foundation
import Testing
import TestSupport
@testable import Dashboard
@testable import Fleet
@testable import GPU

/// Property runs over the two decoders that take outside bytes: the agent's report (decoded,
/// bounded, classified, summed per user, drawn) and nvidia-smi's CSV. Real inputs are mutated
/// (numbers swapped for extremes, bytes flipped, lines cut, doubled or dropped) with a seeded
/// generator; nothing may trap, and what comes out stays within bounds. Each runs for
/// GPUCLUSTER_FUZZ_SECONDS (2 s in the normal suite; the 10-minute run is documented in
/// docs/security.md).
@Suite("Fuzz: agent reports and nvidia-smi CSV")
struct FuzzTests {
    static var seconds: Double { Double(ProcessInfo.processInfo.environment["GPUCLUSTER_FUZZ_SECONDS"] ?? "") ?? 2 }

    /// SplitMix64: the same seed gives the same run (the seed is printed).
    struct Rand {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static let extremes = ["1e300", "-1e300", "1.7976931348623157e308", "-0", "0", "18446744073709551615", "9223372036854775807",
                           "-9223372036854775808", "4294967295", "2147483648", "-1", "1e-320", "100.0000001", "101", "NaN",
                           "Infinity", "1e999", "0x7fffffffffffffff", "\"x\"", "null", "[]", "{}", "true", "\"\\u0000\""]

    /// One mutation of `text`.
    static func mutate(_ text: String, _ r: inout Rand) -> String {
        var bytes = Array(text.utf8)
        switch r.below(6) {
        case 0, 1:  // a number swapped for an extreme
            let starts = bytes.indices.filter { i in (bytes[i] >= 48 && bytes[i] <= 57) && (i == 0 || !(bytes[i - 1] >= 48 && bytes[i - 1] <= 57)) }
            guard !starts.isEmpty else { return text }
            let s = starts[r.below(starts.count)]
            var e = s
            while e < bytes.count, (bytes[e] >= 48 && bytes[e] <= 57) || bytes[e] == 46 || bytes[e] == 101 || bytes[e] == 45 { e += 1 }
            bytes.replaceSubrange(s..<e, with: Array(extremes[r.below(extremes.count)].utf8))
        case 2:  // bytes flipped
            for _ in 0...r.below(4) where !bytes.isEmpty { bytes[r.below(bytes.count)] = UInt8(truncatingIfNeeded: r.next()) }
        case 3:  // cut
            bytes = Array(bytes.prefix(r.below(bytes.count + 1)))
        case 4:  // a stretch doubled
            guard !bytes.isEmpty else { return text }
            let a = r.below(bytes.count), b = min(bytes.count, a + r.below(200))
            bytes.insert(contentsOf: bytes[a..<b], at: a)
        default:  // a stretch removed
            guard !bytes.isEmpty else { return text }
            let a = r.below(bytes.count), b = min(bytes.count, a + r.below(40))
            bytes.removeSubrange(a..<b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static let report = """
    {"expectedGPUs":4,"gpu":{"backend":"nvml","backendUp":true,"driverVersion":"550.54","gpus":[
    {"index":0,"uuid":"GPU-a","name":"NVIDIA H100","up":true,"memoryTotalBytes":85899345920,"memoryUsedBytes":4294967296,
     "utilizationGPU":97.0,"temperatureCelsius":61,"eccUncorrected":0,"remappedRows":{"correctable":0,"uncorrectable":0,"pending":false,"failed":false},
     "processes":[{"pid":4242,"kind":"compute"},{"pid":4243,"kind":"compute"}]},
    {"index":1,"uuid":"GPU-b","name":"NVIDIA H100","up":true,"memoryTotalBytes":85899345920,"memoryUsedBytes":0,
     "utilizationGPU":0,"temperatureCelsius":35,"processes":[]}],
    "xidCounts":[{"uuid":"GPU-a","index":0,"xid":79},3]},
    "processes":[
    {"pid":4242,"gpuIndex":0,"gpuUUID":"GPU-a","usedMemoryBytes":2147483648,"kind":"compute","uid":2001,"user":"alice",
     "command":"python train.py","startTime":1764000000,"job":{"kind":"slurm","id":"1234"}},
    {"pid":4243,"gpuIndex":0,"gpuUUID":"GPU-a","usedMemoryBytes":2147483648,"kind":"compute","uid":2001,"user":"alice",
     "command":"python eval.py","startTime":1764000100,"job":{"kind":"container","id":"0123456789ab","runtime":"docker"}}]}
    """

    @Test("mutated agent reports: decode → bound → classify → per-user sums → pages never trap and stay in bounds")
    func agentReports() async throws {
        let decoder = JSONDecoder()
        _ = try decoder.decode(AgentReport.self, from: Data(Self.report.utf8))  // the seed input itself is valid
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        print("fuzz agent reports: seed \(seed), \(Self.seconds) s")
        var r = Rand(state: seed)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var runs = 0, decoded = 0
        let now = 1_800_000_000.0
        var builder = SnapshotBuilder(policy: FreePolicy())
        while Date() < deadline {
            var text = Self.report
            for _ in 0...r.below(3) { text = Self.mutate(text, &r) }
            runs += 1
            guard let report = try? decoder.decode(AgentReport.self, from: Data(text.utf8)) else { continue }
            decoded += 1
            let o = NodeObservation(name: "gpu01", expectedGPUs: nil, tags: [], report: report, lastSeen: now).bounded(now: now)
            let snap = builder.build([o], now: now, generation: runs, source: "fuzz")
            for g in snap.gpus {
                #expect(g.utilization.map { $0.isFinite && (0...100).contains($0) } ?? true, "input: \(text)")
                #expect((g.memoryUsedBytes ?? 0) <= ObservationBounds.maxMemoryBytes)
            }
            #expect(snap.gpus.count <= ObservationBounds.maxGPUs)
            _ = UserUsage.all(in: snap)
            for n in snap.nodes { _ = BoardView.row(n, now: now); _ = DetailPages.node(n, now: now) }
            _ = DetailPages.users(snap, now: now)
            _ = DetailPages.user("alice", snap, now: now)
        }
        print("fuzz agent reports: \(runs) inputs, \(decoded) decoded, no trap")
        #expect(runs > 100)
    }

    @Test("mutated nvidia-smi CSV (every fixture): parsing never traps, readings stay in bounds")
    func smiCSV() throws {
        let names = Fixtures.all().filter { $0.hasSuffix(".csv") }
        try #require(!names.isEmpty, "no CSV fixtures in \(Fixtures.nvidiaSMI)")
        let inputs = try names.map { try Fixtures.text($0) }
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        print("fuzz nvidia-smi CSV: seed \(seed), \(Self.seconds) s, \(inputs.count) fixtures")
        var r = Rand(state: seed)
        let deadline = Date().addingTimeInterval(Self.seconds)
        var runs = 0
        while Date() < deadline {
            var text = inputs[r.below(inputs.count)]
            for _ in 0...r.below(3) { text = Self.mutate(text, &r) }
            runs += 1
            for g in QueryCSV.parseGPUs(text) + QueryCSV.parseGPUs(text, fields: QueryCSV.gpuFields) {
                #expect(g.utilizationGPU.map { (0...100).contains($0) } ?? true)
                #expect((g.memoryTotalBytes ?? 0) < 1 << 54 && g.index >= 0)
            }
            _ = QueryCSV.parseApps(text)
            _ = QueryCSV.parseApps(text, fields: QueryCSV.appFields)
        }
        print("fuzz nvidia-smi CSV: \(runs) inputs, no trap")
        #expect(runs > 100)
    }
}
