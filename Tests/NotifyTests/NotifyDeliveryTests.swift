import Foundation
import HostSystem
import Notify
import Testing
import TestSupport
import WebClient

/// The real `gpucluster notify serve` on loopback, delivering to a recording chat endpoint
/// (Tests/notify/chat_endpoint.py) that fails as asked: 500, 429 with Retry-After, down, 404.
@Suite("Notify delivery under faults", .serialized)
struct NotifyDeliveryTests {
    /// The chat stand-in: its mode file, its log of requests, restartable on the same port.
    final class Chat: @unchecked Sendable {
        let dir: String
        let port: Int
        var server: ServerProcess?
        var modeFile: String { dir + "/mode" }
        var logFile: String { dir + "/log.jsonl" }

        init(dir: String) throws {
            self.dir = dir
            port = try Tools.freePort()
            try start()
        }

        func start() throws {
            let python = try #require(Tools.find("python3"))
            server = try ServerProcess(python: python, script: Repo.path("Tests/notify/chat_endpoint.py"), [String(port), modeFile, logFile])
        }

        func stop() { server?.stop(); server = nil }
        func mode(_ m: String) throws { try m.write(toFile: modeFile, atomically: true, encoding: .utf8) }

        struct Request: Decodable { var path: String; var status: Int; var body: String; var ts: String? }
        var requests: [Request] {
            (Tools.procFile(logFile) ?? "").split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
        }
        var delivered: [(text: String, thread: String?, ts: String?)] {
            requests.filter { $0.status == 200 }.map { r in
                let obj = (try? JSONSerialization.jsonObject(with: Data(r.body.utf8))) as? [String: String] ?? [:]
                return (obj["text"] ?? "", obj["thread_ts"], r.ts)
            }
        }
    }

    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("notify-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    static func config(_ dir: String, chat: Chat, kind: String = "webhook", deadLetter: Double = 600) throws -> String {
        let path = kind == "api" ? "/api/chat.postMessage" : "/hook"
        let json = """
            {"listen": "127.0.0.1:0", "database": "\(dir)/outbox.sqlite", "minIntervalSeconds": 0.2,
             "firstRetrySeconds": 0.5, "maxRetrySeconds": 2, "deadLetterAfterSeconds": \(deadLetter),
             "channels": [{"name": "primary", "kind": "\(kind)", "url": "http://127.0.0.1:\(chat.port)\(path)", "channel": "#gpu-alerts"}]}
            """
        try json.write(toFile: dir + "/notify.json", atomically: true, encoding: .utf8)
        return dir + "/notify.json"
    }

    static func serve(_ config: String) throws -> ServerProcess {
        try ServerProcess(["notify", "serve", "--config", config], seconds: 30)
    }

    static func post(_ port: Int, _ hook: AlertmanagerWebhook) async throws -> Int {
        try await AsyncHTTPFetcher().post("http://127.0.0.1:\(port)/alertmanager", body: JSONEncoder().encode(hook),
                                          timeout: .seconds(10), maxBytes: 1 << 16).status
    }

    /// Waits (bounded) until `ok` holds.
    static func eventually(_ seconds: Double, _ ok: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !ok() && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        return ok()
    }

    @Test("500, then 429 with Retry-After, then the chat is down for a minute and notify is killed with -9: every alert arrives exactly once, in order per group")
    func exactlyOnceThroughFaults() async throws {
        let dir = try Self.tempDir()
        let chat = try Chat(dir: dir)
        defer { chat.stop() }
        let config = try Self.config(dir, chat: chat)
        var notify = try Self.serve(config)
        defer { notify.stop() }
        // Two groups, five alerts each, arriving one after another; each also re-sent (as
        // Alertmanager does on every group interval): 10 messages expected, no more.
        var sent: [String: [String]] = [:]
        func deliver(_ i: Int) async throws {
            let group = i % 2 == 0 ? "even" : "odd"
            let a = OutboxTests.alert(String(format: "gpu%02d", i), name: "GPULost")
            let hook = OutboxTests.hook([a], group: group)
            #expect(try await Self.post(notify.port, hook) == 200)
            #expect(try await Self.post(notify.port, hook) == 200, "a re-send is acknowledged too")
            sent[group, default: []].append(String(format: "gpu%02d", i))
        }
        try chat.mode("500")
        for i in 0..<3 { try await deliver(i) }
        try await Task.sleep(for: .seconds(2))
        try chat.mode("429 3")
        for i in 3..<5 { try await deliver(i) }
        try await Task.sleep(for: .seconds(2))
        chat.stop()                                           // the chat service is down …
        let downAt = Date()
        for i in 5..<8 { try await deliver(i) }
        kill(notify.child.pid, SIGKILL)                        // notify dies mid-way
        notify.stop()
        notify = try Self.serve(config)                        // and comes back on the same outbox
        for i in 8..<10 { try await deliver(i) }
        // … for a minute in all.
        try await Task.sleep(for: .milliseconds(Int(max(5, 60 - Date().timeIntervalSince(downAt)) * 1000)))
        #expect(chat.delivered.isEmpty, "nothing can have been delivered yet")
        try chat.mode("ok")
        try chat.start()
        let done = try await Self.eventually(60) { chat.delivered.count >= 10 }
        try await Task.sleep(for: .seconds(2))                 // time for any duplicate to show up
        let texts = chat.delivered.map(\.text)
        #expect(done && texts.count == 10, "exactly 10 deliveries: \(texts)")
        #expect(Set(texts).count == texts.count, "no duplicates: \(texts)")
        for (group, nodes) in sent {
            let order = texts.compactMap { t in nodes.first { t.contains(" on \($0)") } }
            #expect(order == nodes, "group \(group) in order of receipt: \(order)")
        }
        let failures = chat.requests.filter { $0.status != 200 }.map(\.status)
        #expect(failures.contains(500) && failures.contains(429), "the faults happened: \(failures)")
        let metrics = Scraped(try notify.get("/metrics").body)
        #expect(metrics.value("gpucluster_notify_queued") == 0)
    }

    @Test("a channel that answers 404 forever ends in the dead-letter list, in the metrics and in notify status")
    func deadLetters() async throws {
        let dir = try Self.tempDir()
        let chat = try Chat(dir: dir)
        defer { chat.stop() }
        try chat.mode("404")
        let notify = try Self.serve(try Self.config(dir, chat: chat, deadLetter: 3))
        defer { notify.stop() }
        #expect(try await Self.post(notify.port, OutboxTests.hook([OutboxTests.alert("gpu07")])) == 200)
        let dead = try await Self.eventually(20) { (Scraped((try? notify.get("/metrics").body) ?? "").value("gpucluster_notify_dead_total") ?? 0) == 1 }
        #expect(dead, "dead after deadLetterAfterSeconds")
        let m = Scraped(try notify.get("/metrics").body)
        #expect(m.value("gpucluster_notify_delivered_total") == 0 && (m.value("gpucluster_notify_failed_attempts_total") ?? 0) >= 2)
        #expect(m.value("gpucluster_notify_queued") == 0)
        let status = try Tools.run(Binary.gpucluster, ["notify", "status", "--url", "http://127.0.0.1:\(notify.port)"])
        #expect(status.status == 0 && status.output.contains("dead 1") && status.output.contains("HTTP 404") && status.output.contains("gpu07"),
                "\(status.output) \(status.error)")
    }

    @Test("Alertmanager's own webhook posts to notify: one firing message, re-sends collapsed, the resolution in its thread")
    func realAlertmanager() async throws {
        guard let am = Tools.find("prometheus-alertmanager") ?? Tools.find("alertmanager") else {
            Issue.record("prometheus-alertmanager is not installed (scripts/test installs it)"); return
        }
        let dir = try Self.tempDir()
        let chat = try Chat(dir: dir)
        defer { chat.stop() }
        let notify = try Self.serve(try Self.config(dir, chat: chat, kind: "api"))
        defer { notify.stop() }
        let amPort = try Tools.freePort()
        try """
            route: { receiver: notify, group_by: [alertname, node], group_wait: 1s, group_interval: 2s, repeat_interval: 1h }
            receivers:
              - name: notify
                webhook_configs: [{ url: "http://127.0.0.1:\(notify.port)/alertmanager", send_resolved: true }]
            """.write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let alertmanager = try Spawned(am, ["--config.file=\(dir)/am.yml", "--storage.path=\(dir)/am", "--web.listen-address=127.0.0.1:\(amPort)",
                                            "--cluster.listen-address="])
        defer { alertmanager.stop() }
        let fetch = AsyncHTTPFetcher()
        let up = try await Self.eventually(30) { (try? LoopbackHTTP.get(port: amPort, path: "/-/ready").status) == 200 }
        try #require(up, "alertmanager did not start")
        func post(endsAt: String?) async throws {
            var alert: [String: Any] = ["labels": ["alertname": "AgentDown", "node": "gpu01", "severity": "critical"],
                                        "annotations": ["summary": "The gpucluster agent on gpu01 does not answer"],
                                        "startsAt": "2026-12-01T10:00:00Z"]
            if let endsAt { alert["endsAt"] = endsAt }
            let r = try await fetch.post("http://127.0.0.1:\(amPort)/api/v2/alerts", body: JSONSerialization.data(withJSONObject: [alert]),
                                         timeout: .seconds(5), maxBytes: 1 << 16)
            #expect(r.status == 200)
        }
        try await post(endsAt: nil)
        let fired = try await Self.eventually(30) { chat.delivered.count >= 1 }
        try #require(fired, "no firing message from Alertmanager via notify")
        try await post(endsAt: nil)                              // Prometheus re-sends while it fires
        try await Task.sleep(for: .seconds(5))                   // two group intervals: Alertmanager re-notifies
        let now = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-1))
        try await post(endsAt: now)
        let resolved = try await Self.eventually(30) { chat.delivered.count >= 2 }
        try await Task.sleep(for: .seconds(3))
        let d = chat.delivered
        #expect(resolved && d.count == 2, "one firing, one resolved: \(d.map(\.text))")
        #expect(d.first?.text.hasPrefix("FIRING AgentDown [critical] on gpu01") == true, "\(d.map(\.text))")
        #expect(d.last?.text.hasPrefix("RESOLVED AgentDown") == true && d.last?.thread == d.first?.ts && d.first?.ts != nil,
                "the resolution replies in the firing message's thread: \(d)")
    }
}
