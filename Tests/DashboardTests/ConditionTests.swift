import Dashboard
@testable import Fleet
import Foundation
import NodeReport
import Testing
import TestSupport

/// Alerts without Prometheus: the dashboard's collector decides the core conditions from its
/// snapshot and hands them to a real `gpucluster notify`, which posts to a recording chat.
@Suite("Conditions from the embedded collector", .serialized)
struct ConditionTests {
    static func snapshot(gpu01Up: Bool, t: Double, idle: Bool = false) -> ClusterSnapshot {
        let gpus = [
            GPUView(node: "gpu02", index: 0, uuid: "GPU-a", name: "A100", state: idle ? .idleHeld : .busy, users: ["carol"]),
            GPUView(node: "gpu02", index: 1, uuid: "GPU-b", name: "A100", state: .down, reason: "lost"),
            GPUView(node: "gpu02", index: 2, uuid: "missing:gpu02:2", name: "?", state: .down),
            GPUView(node: "gpu02", index: 3, uuid: "GPU-d", name: "A100", state: .unhealthy, reason: "XID 79 (fallen off the bus)"),
        ]
        return ClusterSnapshot(generation: Int(t), takenAt: t, source: "embedded", policy: FreePolicy(), nodes: [
            NodeView(name: "gpu01", up: gpu01Up, problem: gpu01Up ? nil : "timed out after 2 s", gpus: []),
            NodeView(name: "gpu02", up: true, gpus: gpus),
        ])
    }

    @Test("node down, GPU lost, missing, unhealthy and idle-held are conditions; busy and free are not")
    func conditionsOfASnapshot() {
        let names = Condition.of(Self.snapshot(gpu01Up: false, t: 1, idle: true)).map { "\($0.name) \($0.node) \($0.gpu ?? "-")" }
        #expect(names == ["NodeDown gpu01 -", "IdleHeldGPU gpu02 0", "GPULost gpu02 1", "GPUMissing gpu02 2", "GPUUnhealthy gpu02 3"], "\(names)")
        #expect(Condition.of(Self.snapshot(gpu01Up: true, t: 1)).allSatisfy { $0.node == "gpu02" })
    }

    @Test("a backup server whose last success is over 26 hours old raises BackupStale; a fresh one does not")
    func backupStale() {
        var s = Self.snapshot(gpu01Up: true, t: 200_000)
        s.nodes.append(NodeView(name: "backup", up: true, gpus: []))
        s.nodes[2].backupLastSuccess = 200_000 - 27 * 3600
        #expect(Condition.of(s).filter { $0.name == "BackupStale" }.map(\.node) == ["backup"])
        s.nodes[2].backupLastSuccess = 200_000 - 3600
        #expect(!Condition.of(s).contains { $0.name == "BackupStale" })
        // From an agent's report, as the embedded source reads it.
        let report = try? JSONDecoder().decode(AgentReport.self, from: Data(#"{"gpu":{"backend":"none","backendUp":false,"gpus":[]},"processes":[],"backup":{"version":1,"lastSuccess":1000}}"#.utf8))
        let o = report.map { NodeObservation(name: "backup", expectedGPUs: nil, tags: [], report: $0, lastSeen: 2000) }
        #expect(o?.backupLastSuccess == 1000)
    }

    @Test("the tracker keeps each condition's start, and reports an ended one as resolved for a few rounds")
    func tracker() {
        var t = ConditionTracker(resendRounds: 3)
        let down = Condition.of(Self.snapshot(gpu01Up: false, t: 10))
        let r1 = t.update(down, at: 10)
        #expect(r1.firing.count == 4 && r1.resolved.isEmpty)
        let r2 = t.update(down, at: 20)
        #expect(r2.firing.first { $0.condition.name == "NodeDown" }?.since == 10, "the start stays the first round's")
        let back = Condition.of(Self.snapshot(gpu01Up: true, t: 30))
        var resolvedRounds = 0
        for round in 0..<6 {
            let r = t.update(back, at: 30 + Double(round) * 10)
            if let n = r.resolved.first(where: { $0.condition.name == "NodeDown" }) {
                resolvedRounds += 1
                #expect(n.since == 10 && n.endedAt == 30)
            }
            #expect(!r.firing.contains { $0.condition.name == "NodeDown" })
        }
        #expect(resolvedRounds == 3)
    }

    @Test("reported to a real notify every round: one NodeDown message, one resolution, whatever the re-sends")
    func throughNotify() async throws {
        let python = try #require(Tools.find("python3"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conditions-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let chatPort = try Tools.freePort()
        let chat = try ServerProcess(python: python, script: Repo.path("Tests/notify/chat_endpoint.py"), [String(chatPort), dir + "/mode", dir + "/log.jsonl"])
        defer { chat.stop() }
        try """
            {"listen": "127.0.0.1:0", "database": "\(dir)/outbox.sqlite", "minIntervalSeconds": 0.1,
             "channels": [{"name": "primary", "kind": "webhook", "url": "http://127.0.0.1:\(chatPort)/hook"}]}
            """.write(toFile: dir + "/notify.json", atomically: true, encoding: .utf8)
        let notify = try ServerProcess(["notify", "serve", "--config", dir + "/notify.json"], seconds: 30)
        defer { notify.stop() }
        let reporter = ConditionReporter(notifyURL: "http://127.0.0.1:\(notify.port)")
        func texts() -> [String] {
            (Tools.procFile(dir + "/log.jsonl") ?? "").split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).flatMap { $0["body"] as? String }
                    .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }?["text"]
            }
        }
        for round in 0..<4 { await reporter.report(Self.snapshot(gpu01Up: false, t: 100 + Double(round) * 15)) }
        for round in 0..<4 { await reporter.report(Self.snapshot(gpu01Up: true, t: 160 + Double(round) * 15)) }
        // Lines, not messages: one group's new alerts share a message.
        func lines(_ prefix: String) -> [String] { texts().flatMap { $0.split(separator: "\n").map(String.init) }.filter { $0.hasPrefix(prefix) } }
        let deadline = Date().addingTimeInterval(20)
        while lines("RESOLVED NodeDown").isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        try await Task.sleep(for: .seconds(1))
        #expect(lines("FIRING NodeDown [critical] on gpu01").count == 1, "\(texts())")
        #expect(lines("RESOLVED NodeDown [critical] on gpu01").count == 1, "\(texts())")
        #expect(lines("FIRING GPULost").count == 1 && lines("RESOLVED GPULost").isEmpty, "the lost GPU fires once and stays firing: \(texts())")
    }
}
