import Foundation
import GPU
import HostSystem
import Testing
import TestSupport

/// The whole alert path on loopback, every piece real and configured as `render` writes it:
/// an agent on the simulated NVML and Debian's node exporter, scraped by Prometheus with the
/// rendered prometheus.yml and alert rules, Alertmanager with the rendered config, posting to
/// `gpucluster notify serve`, which talks to the chat stand-in's API. The rendered templates
/// are filled in by Ansible's own template module (`AnsibleTemplate`) with the rendered group_vars and role
/// defaults; only addresses, ports and timings are overridden, so the test runs in seconds.
@Suite("Alert path: agent → Prometheus → Alertmanager → notify → chat", .serialized)
struct AlertPathTests {
    @Test("the agent stops: exactly one FIRING AgentDown reaches the chat; it comes back: one RESOLVED, in the firing message's thread")
    func agentDownFiresAndResolves() async throws {
        guard let prometheus = Tools.find("prometheus"), let nodeExporter = Tools.find("prometheus-node-exporter"),
              let am = Tools.find("prometheus-alertmanager") else {
            Issue.record("prometheus, prometheus-node-exporter and prometheus-alertmanager are needed (scripts/test installs them)"); return
        }
        let dir = try NotifyDeliveryTests.tempDir()
        let project = dir + "/project"
        let render = try Tools.run(Binary.gpucluster, ["render", Repo.path("examples/cluster.yaml"), "--output", project, "--offline"])
        try #require(render.status == 0, "render: \(render.output) \(render.error)")

        // The chat service and notify, as in the delivery tests (the chat API, so threads work).
        let chat = try NotifyDeliveryTests.Chat(dir: dir)
        defer { chat.stop() }
        let notify = try NotifyDeliveryTests.serve(try NotifyDeliveryTests.config(dir, chat: chat, kind: "api"))
        defer { notify.stop() }

        // The monitored host: an agent on two simulated GPUs and the node exporter.
        let sim = try SimLibrary.instance(SimScenario.uniform(count: 2, seed: "0013").text)
        var agent: AgentProcess? = try AgentProcess(arguments: ["--nvml", sim.library, "--interval", "0.5"])
        let agentPort = try #require(agent?.port)
        defer { agent?.stop() }
        let exporterPort = try Tools.freePort()
        let exporter = try Spawned(nodeExporter, ["--web.listen-address=127.0.0.1:\(exporterPort)", "--collector.disable-defaults",
                                                  "--collector.loadavg", "--collector.meminfo"])
        defer { exporter.stop() }

        // Prometheus and Alertmanager from the rendered role files.
        let amPort = try Tools.freePort(), promPort = try Tools.freePort()
        let overrides: [String: Any] = [
            "gpucluster_agents": [["name": "gpu01", "address": "127.0.0.1"]], "gpucluster_agent_port": agentPort,
            "gpucluster_node_exporters": [["name": "gpu01", "address": "127.0.0.1", "home_on_nfs": false]],
            "gpucluster_node_exporter_port": exporterPort, "gpucluster_scrape_interval": "1s",
            "prometheus_alertmanager_address": "127.0.0.1:\(amPort)",
            "alertmanager_notify_url": "http://127.0.0.1:\(notify.port)/alertmanager",
            "alertmanager_group_wait": "1s", "alertmanager_group_interval": "2s", "alertmanager_repeat_interval": "1h",
        ]
        let vars = [project + "/inventory/group_vars/all.yml", project + "/roles/alertmanager/defaults/main.yml",
                    project + "/roles/prometheus/defaults/main.yml"]
        try AnsibleTemplate.fill(project + "/roles/prometheus/templates/prometheus.yml.j2", into: dir + "/prometheus.yml", vars: vars, overrides: overrides, work: dir)
        try AnsibleTemplate.fill(project + "/roles/alertmanager/templates/alertmanager.yml.j2", into: dir + "/alertmanager.yml", vars: vars, overrides: overrides, work: dir)
        // The rendered rules, with every `for:` shortened to 3 s (2 minutes of AgentDown is too long to wait for).
        let rules = try String(contentsOfFile: project + "/roles/prometheus/files/gpucluster.rules.yml", encoding: .utf8)
        let shortened = rules.replacingOccurrences(of: #"for: [0-9]+[smh]"#, with: "for: 3s", options: .regularExpression)
        #expect(shortened.contains("- alert: AgentDown") && shortened != rules, "the rendered rules have AgentDown with a for:")
        try FileManager.default.createDirectory(atPath: dir + "/rules", withIntermediateDirectories: true)
        try shortened.write(toFile: dir + "/rules/gpucluster.yml", atomically: true, encoding: .utf8)
        if let promtool = Tools.find("promtool") {
            let check = try Tools.run(promtool, ["check", "config", dir + "/prometheus.yml"])
            try #require(check.status == 0, "promtool check config: \(check.output) \(check.error)")
        }

        let alertmanager = try Spawned(am, ["--config.file=\(dir)/alertmanager.yml", "--storage.path=\(dir)/am",
                                            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address="])
        defer { alertmanager.stop() }
        let prom = try Spawned(prometheus, ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                                            "--web.listen-address=127.0.0.1:\(promPort)"])
        defer { prom.stop() }

        /// `up` of a job as Prometheus sees it (nil while unknown).
        func up(_ job: String) -> Double? {
            guard let r = try? LoopbackHTTP.get(port: promPort, path: "/api/v1/query?query=up%7Bjob%3D%22\(job)%22%7D"), r.status == 200,
                  let obj = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                  let result = (obj["data"] as? [String: Any])?["result"] as? [[String: Any]], let first = result.first,
                  let value = first["value"] as? [Any], let text = value.last as? String else { return nil }
            return Double(text)
        }
        let scraped = try await NotifyDeliveryTests.eventually(60) { up("gpucluster-agent") == 1 && up("node") == 1 }
        try #require(scraped, "Prometheus never scraped the agent and the node exporter (agent \(String(describing: up("gpucluster-agent"))), node \(String(describing: up("node"))))")
        try await Task.sleep(for: .seconds(5))                 // rules evaluated on a healthy host: quiet
        #expect(chat.delivered.isEmpty, "nothing fires while all is well: \(chat.delivered.map(\.text))")

        agent?.stop()
        agent = nil
        let fired = try await NotifyDeliveryTests.eventually(60) { chat.delivered.count >= 1 }
        try #require(fired, "no message reached the chat after the agent stopped")
        try await Task.sleep(for: .seconds(6))                 // three group intervals: any re-notification would show
        let firing = chat.delivered
        #expect(firing.count == 1 && firing.first?.text.hasPrefix("FIRING AgentDown [critical] on gpu01") == true,
                "exactly one FIRING AgentDown: \(firing.map(\.text))")

        agent = try AgentProcess(arguments: ["--nvml", sim.library, "--interval", "0.5"], port: agentPort)
        let resolved = try await NotifyDeliveryTests.eventually(60) { chat.delivered.count >= 2 }
        try await Task.sleep(for: .seconds(6))
        let all = chat.delivered
        #expect(resolved && all.count == 2, "one firing, one resolved: \(all.map(\.text))")
        #expect(all.last?.text.hasPrefix("RESOLVED AgentDown") == true, "\(all.map(\.text))")
        #expect(all.first?.ts != nil && all.last?.thread == all.first?.ts, "the resolution replies in the firing message's thread: \(all)")
    }
}
