import Agent
import Foundation
import FleetSources
import GPU
import NodeReport
import Render
import Spec
import Testing
import TestSupport

/// The agent's metric families are a contract: the alert rules, the Grafana dashboard and the
/// Prometheus source query them by name. These tests compare every name those consumers use
/// with what one real collection (the agent on the simulated NVML library) exports.
@Suite("The agent's metric contract")
struct MetricContractTests {
    /// The families one collection exports: two GPUs (one with a MIG device, one with an XID),
    /// a GPU process of this test, a backup state file. Disk families are declared without smartctl.
    static func exportedFamilies() throws -> Set<String> {
        var s = SimScenario.uniform(count: 2)
        s.gpus[0].migEnabled = true
        s.migs = [SimScenario.MIG(gpu: 0, uuid: "MIG-00000000-0000-0000-0000-000000000001", profile: "1g.10gb",
                                  memoryTotalMiB: 9728, memoryUsedMiB: 13, gpuInstance: 7, computeInstance: 0)]
        s.gpus[1].xid = (79, 0)
        s.processes = [SimScenario.Process(gpu: 1, pid: getpid(), usedMiB: 512)]
        let inst = try SimLibrary.instance(s.text)
        let backend = try NVMLBackend.load(path: inst.library).get()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("contract-state-\(UUID().uuidString).json").path
        try #"{"version":1,"lastRunStart":1,"lastRunEnd":2,"lastSuccess":2,"exitCode":0,"lastVerify":2,"verifyOK":true,"verifyMismatches":0,"bytesTransferred":10,"snapshots":3}"#
            .write(toFile: state, atomically: true, encoding: .utf8)
        let updates = state + ".updates"
        try "version 1\nchecked 2\npending 3\nsecurity 1\nreboot 1\nservices 0\nreboot_packages libc6\n".write(toFile: updates, atomically: true, encoding: .utf8)
        // A host in maintenance exports its start time too (every family, once).
        let maintenance = state + ".maintenance"
        try "version 1\nkind upgrade\nsince 2\nfrom 12\nto 13\n".write(toFile: maintenance, atomically: true, encoding: .utf8)
        defer {
            for f in [state, updates, maintenance] { try? FileManager.default.removeItem(atPath: f) }
        }
        var config = AgentConfig(gpuBackend: backend)
        config.expectedGPUs = 2
        config.backupStatePath = state
        config.updatesStatePath = updates
        config.maintenanceStatePath = maintenance
        let agent = Agent(config: config)
        agent.collectOnce()          // registers for XID events
        Thread.sleep(forTimeInterval: 0.05)
        return Self.typeLines(agent.collectOnce().metrics)
    }

    static func typeLines(_ exposition: String) -> Set<String> {
        Set(exposition.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: " ")
            return parts.count == 4 && parts[0] == "#" && parts[1] == "TYPE" ? String(parts[2]) : nil
        })
    }

    /// Every `gpucluster_…` identifier in a text (PromQL, YAML or JSON).
    static func referencedFamilies(_ text: String) -> Set<String> {
        Set(text.matches(of: /gpucluster_[a-z0-9_]+/).map { String($0.output) })
    }

    static func example() throws -> ClusterSpec {
        try #require(SpecLoader.load(bytes: Array(ExampleSpec.text.utf8)).spec)
    }

    @Test("the contract lists exactly what a real collection exports")
    func contractIsWhatTheAgentExports() throws {
        let exported = try Self.exportedFamilies()
        let contract = Set(Metric.all.map(\.name))
        #expect(contract.subtracting(exported).isEmpty, "in Metric.all but not exported: \(contract.subtracting(exported).sorted())")
        #expect(exported.subtracting(contract).isEmpty, "exported outside the contract: \(exported.subtracting(contract).sorted())")
        #expect(Metric.all.count == contract.count, "a family is listed twice in Metric.all")
    }

    @Test("every metric the rendered alert rules and the Grafana dashboard query is exported")
    func renderedQueriesUseExportedNames() throws {
        let exported = try Self.exportedFamilies()
        let files = AnsibleProject.render(try Self.example())
        let rules = try #require(files.first { $0.path.hasSuffix("gpucluster.rules.yml") }, "no rendered alert rules")
        let grafana = try #require(files.first { $0.path.hasSuffix("gpucluster-dashboard.json") }, "no rendered Grafana dashboard")
        for file in [rules, grafana] {
            let used = Self.referencedFamilies(file.content)
            #expect(used.count >= 5, "\(file.path) should query several families, found \(used.sorted())")
            #expect(used.subtracting(exported).isEmpty, "\(file.path) queries families the agent does not export: \(used.subtracting(exported).sorted())")
        }
    }

    @Test("every query of the Prometheus source uses exported names")
    func prometheusSourceUsesExportedNames() throws {
        let exported = try Self.exportedFamilies()
        let q = PrometheusQueries(idleWindowSeconds: 1800, idleRatio: 0.05, scrapeIntervalSeconds: 15)
        let used = q.all.reduce(into: Set<String>()) { $0.formUnion(Self.referencedFamilies($1)) }
        #expect(used.count >= 10)
        #expect(used.subtracting(exported).isEmpty, "unknown families: \(used.subtracting(exported).sorted())")
        #expect(q.fatalXIDs.contains(FatalXID.promQLPattern) && FatalXID.promQLPattern.split(separator: "|").count == FatalXID.catalogue.count)
    }

    @Test("the check catches a misspelled family (it can fail)")
    func checkerFindsUnknownNames() throws {
        let exported = try Self.exportedFamilies()
        let broken = "expr: gpucluster_gpu_upp == 0 and gpucluster_gpus_missing > 0"
        #expect(Self.referencedFamilies(broken).subtracting(exported) == ["gpucluster_gpu_upp"])
    }

    @Test("Grafana's free panel uses the spec's free-memory threshold, not a constant")
    func grafanaFreeThresholdFollowsSpec() throws {
        let text = ExampleSpec.text
        let spec = try Self.example()
        let mib = spec.dashboard.freeMemoryMiB.value
        let json = try #require(AnsibleProject.render(spec).first { $0.path.hasSuffix("gpucluster-dashboard.json") }).content
        #expect(json.contains("< \(UInt64(mib) << 20))"), "the free panel should compare with \(mib) MiB")
        // The same spec with another threshold gives another panel.
        let edited = text.contains("freeMemoryMiB:") ? text.replacingOccurrences(of: "freeMemoryMiB: \(mib)", with: "freeMemoryMiB: 2048")
            : text.replacingOccurrences(of: "dashboard:\n", with: "dashboard:\n  freeMemoryMiB: 2048\n")
        let other = try #require(SpecLoader.load(bytes: Array(edited.utf8)).spec)
        let json2 = try #require(AnsibleProject.render(other).first { $0.path.hasSuffix("gpucluster-dashboard.json") }).content
        #expect(other.dashboard.freeMemoryMiB.value == 2048, "the edit did not reach the spec")
        #expect(json2.contains("< \(UInt64(2048) << 20))"))
    }
}
