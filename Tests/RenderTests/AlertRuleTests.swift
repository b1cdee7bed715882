import Foundation
@testable import Render
import Spec
import Testing
import TestSupport

/// `promtool test rules` over the rendered rules (the example spec's): for every rule a case
/// where it fires, with the labels it must carry, and a case where it stays quiet.
@Suite("Alert rules under promtool")
struct AlertRuleTests {
    struct Case {
        var rule: String
        var series: [(String, String)]
        var at: String
        /// nil: the rule must not fire.
        var labels: [String: String]?
    }

    static let n = "node=\"gpu01\""
    static let g = "node=\"gpu01\",gpu=\"0\",uuid=\"GPU-a\""
    static let d = "node=\"gpu01\",device=\"/dev/sda\",model=\"m\",serial=\"s\""
    static let fs = "job=\"node\",node=\"gpu01\",device=\"/dev/sda1\",fstype=\"ext4\",mountpoint=\"/\""
    static let gl = ["node": "gpu01", "gpu": "0", "uuid": "GPU-a"]
    static let dl = ["node": "gpu01", "device": "/dev/sda", "model": "m", "serial": "s"]

    static func cases() -> [Case] {
        func pair(_ rule: String, _ at: String, labels: [String: String], firing: [(String, String)], quiet: [(String, String)]) -> [Case] {
            [Case(rule: rule, series: firing, at: at, labels: labels), Case(rule: rule, series: quiet, at: at, labels: nil)]
        }
        return pair("HostDown", "5m", labels: ["job": "node", "node": "gpu01", "severity": "critical"],
                    firing: [("up{job=\"node\",\(n)}", "0x10")], quiet: [("up{job=\"node\",\(n)}", "1x10")])
            + pair("AgentDown", "5m", labels: ["job": "gpucluster-agent", "node": "gpu01", "severity": "critical"],
                   firing: [("up{job=\"gpucluster-agent\",\(n)}", "0x10")], quiet: [("up{job=\"gpucluster-agent\",\(n)}", "1x10")])
            + pair("GPUBackendDown", "7m", labels: ["node": "gpu01", "backend": "nvml", "severity": "critical"],
                   firing: [("gpucluster_gpu_backend_up{\(n),backend=\"nvml\"}", "0x10")], quiet: [("gpucluster_gpu_backend_up{\(n),backend=\"nvml\"}", "1x10")])
            + pair("GPUDriverMismatch", "4m",
                   labels: ["node": "gpu01", "reason": "version_mismatch", "loaded_version": "550.54.14", "library_version": "550.90.07", "severity": "critical"],
                   firing: [("gpucluster_gpu_driver_problem{\(n),reason=\"version_mismatch\",loaded_version=\"550.54.14\",library_version=\"550.90.07\"}", "1x10")],
                   quiet: [("gpucluster_gpu_driver_problem{\(n),reason=\"persistence_off\",loaded_version=\"550.54.14\",library_version=\"\"}", "1x10")])
            + pair("GPUDriverProblem", "7m",
                   labels: ["node": "gpu01", "reason": "fabric_manager_down", "loaded_version": "550.54.14", "severity": "warning"],
                   firing: [("gpucluster_gpu_driver_problem{\(n),reason=\"fabric_manager_down\",loaded_version=\"550.54.14\",library_version=\"\"}", "1x10")],
                   quiet: [("gpucluster_gpu_driver_problem{\(n),reason=\"version_mismatch\",loaded_version=\"550.54.14\",library_version=\"550.90.07\"}", "1x10")])
            + pair("GPULost", "3m", labels: gl.merging(["severity": "critical"]) { $1 },
                   firing: [("gpucluster_gpu_up{\(g)}", "0x5")], quiet: [("gpucluster_gpu_up{\(g)}", "1x5")])
            + pair("GPUsMissing", "7m", labels: ["node": "gpu01", "severity": "warning"],
                   firing: [("gpucluster_gpus_missing{\(n)}", "2x10")], quiet: [("gpucluster_gpus_missing{\(n)}", "0x10")])
            + pair("GPUFatalXID", "5m", labels: gl.merging(["xid": "79", "severity": "critical"]) { $1 },
                   firing: [("gpucluster_gpu_xid_errors_total{\(g),xid=\"79\"}", "0 0 1 1 1 1")],
                   quiet: [("gpucluster_gpu_xid_errors_total{\(g),xid=\"13\"}", "0 0 1 1 1 1")])
            + pair("GPUXIDError", "5m", labels: gl.merging(["xid": "13", "severity": "warning"]) { $1 },
                   firing: [("gpucluster_gpu_xid_errors_total{\(g),xid=\"13\"}", "0 0 1 1 1 1")],
                   quiet: [("gpucluster_gpu_xid_errors_total{\(g),xid=\"79\"}", "0 0 1 1 1 1")])
            + pair("GPUUncorrectableECC", "5m", labels: gl.merging(["type": "uncorrected", "severity": "critical"]) { $1 },
                   firing: [("gpucluster_gpu_ecc_errors_total{\(g),type=\"uncorrected\"}", "0 0 2 2 2 2")],
                   quiet: [("gpucluster_gpu_ecc_errors_total{\(g),type=\"corrected\"}", "0 0 2 2 2 2")])
            + pair("GPURowRemapFailed", "2m", labels: gl.merging(["severity": "critical"]) { $1 },
                   firing: [("gpucluster_gpu_remapped_rows_failed{\(g)}", "1x5")], quiet: [("gpucluster_gpu_remapped_rows_failed{\(g)}", "0x5")])
            + pair("GPUTooHot", "7m", labels: gl.merging(["severity": "warning"]) { $1 },
                   firing: [("gpucluster_gpu_temperature_celsius{\(g)}", "91x10")], quiet: [("gpucluster_gpu_temperature_celsius{\(g)}", "70x10")])
            + pair("GPUThermalThrottle", "12m", labels: gl.merging(["reason": "hw_thermal_slowdown", "severity": "warning"]) { $1 },
                   firing: [("gpucluster_gpu_throttle_active{\(g),reason=\"hw_thermal_slowdown\"}", "1x15")],
                   quiet: [("gpucluster_gpu_throttle_active{\(g),reason=\"gpu_idle\"}", "1x15")])
            + pair("FilesystemNearlyFull", "12m",
                   labels: ["job": "node", "node": "gpu01", "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/", "severity": "warning"],
                   firing: [("node_filesystem_avail_bytes{\(fs)}", "5x15"), ("node_filesystem_size_bytes{\(fs)}", "100x15")],
                   quiet: [("node_filesystem_avail_bytes{\(fs)}", "50x15"), ("node_filesystem_size_bytes{\(fs)}", "100x15")])
            + pair("FilesystemPredictedFull", "430m",
                   labels: ["job": "node", "node": "gpu01", "device": "/dev/sda1", "fstype": "ext4", "mountpoint": "/", "severity": "warning"],
                   firing: [("node_filesystem_avail_bytes{\(fs)}", "100000-100x500")], quiet: [("node_filesystem_avail_bytes{\(fs)}", "100000x500")])
            + pair("MemoryPressure", "12m", labels: ["job": "node", "node": "gpu01", "severity": "warning"],
                   firing: [("node_memory_MemAvailable_bytes{job=\"node\",\(n)}", "3x15"), ("node_memory_MemTotal_bytes{job=\"node\",\(n)}", "100x15")],
                   quiet: [("node_memory_MemAvailable_bytes{job=\"node\",\(n)}", "40x15"), ("node_memory_MemTotal_bytes{job=\"node\",\(n)}", "100x15")])
            + pair("NFSHomeNotMounted", "7m", labels: ["job": "node", "node": "gpu01", "home_on_nfs": "yes", "severity": "critical"],
                   firing: [("up{job=\"node\",\(n),home_on_nfs=\"yes\"}", "1x10")],
                   quiet: [("up{job=\"node\",\(n),home_on_nfs=\"yes\"}", "1x10"),
                           ("node_filesystem_size_bytes{job=\"node\",\(n),device=\"nfs:/home\",fstype=\"nfs4\",mountpoint=\"/home\"}", "1e9x10")])
            + pair("LogForwardingDown", "7m", labels: ["job": "node", "node": "gpu01", "name": "rsyslog.service", "state": "active", "severity": "warning"],
                   firing: [("node_systemd_unit_state{job=\"node\",\(n),name=\"rsyslog.service\",state=\"active\"}", "0x10")],
                   quiet: [("node_systemd_unit_state{job=\"node\",\(n),name=\"rsyslog.service\",state=\"active\"}", "1x10")])
            + pair("DiskFailing", "2m", labels: dl.merging(["severity": "critical"]) { $1 },
                   firing: [("gpucluster_disk_smart_healthy{\(d)}", "0x5")], quiet: [("gpucluster_disk_smart_healthy{\(d)}", "1x5")])
            + pair("DiskSelfTestFailed", "2m", labels: dl.merging(["severity": "critical"]) { $1 },
                   firing: [("gpucluster_disk_last_selftest_passed{\(d)}", "0x5")], quiet: [("gpucluster_disk_last_selftest_passed{\(d)}", "1x5")])
            + pair("DiskNoRecentSelfTest", "62m", labels: dl.merging(["severity": "warning"]) { $1 },
                   firing: [("gpucluster_disk_last_selftest_age_hours{\(d)}", "200x70")], quiet: [("gpucluster_disk_last_selftest_age_hours{\(d)}", "100x70")])
            + pair("DiskPendingSectors", "62m", labels: dl.merging(["severity": "warning"]) { $1 },
                   firing: [("gpucluster_disk_pending_sectors{\(d)}", "3x70")], quiet: [("gpucluster_disk_pending_sectors{\(d)}", "0x70")])
            + pair("BackupStale", "27h", labels: ["node": "backup", "severity": "critical"],
                   firing: [("gpucluster_backup_last_success_timestamp_seconds{node=\"backup\"}", "0x1700")],
                   quiet: [("gpucluster_backup_last_success_timestamp_seconds{node=\"backup\"}", "97000x1700")])
            + pair("BackupFailed", "2m", labels: ["node": "backup", "severity": "critical"],
                   firing: [("gpucluster_backup_last_exit_code{node=\"backup\"}", "23x5")], quiet: [("gpucluster_backup_last_exit_code{node=\"backup\"}", "24x5")])
            + pair("BackupVerifyFailed", "2m", labels: ["node": "backup", "severity": "critical"],
                   firing: [("gpucluster_backup_verify_ok{node=\"backup\"}", "0x5")], quiet: [("gpucluster_backup_verify_ok{node=\"backup\"}", "1x5")])
            + pair("IdleHeldGPU", "150m", labels: gl.merging(["user": "carol", "severity": "info"]) { $1 },
                   firing: [("gpucluster_gpu_user_processes{\(g),user=\"carol\"}", "1x200"), ("gpucluster_gpu_utilization_ratio{\(g)}", "0x200"),
                            ("gpucluster_gpu_processes{\(g)}", "1x200")],
                   quiet: [("gpucluster_gpu_user_processes{\(g),user=\"carol\"}", "1x200"), ("gpucluster_gpu_utilization_ratio{\(g)}", "0.6x200"),
                           ("gpucluster_gpu_processes{\(g)}", "1x200")])
    }

    /// A host `gpucluster upgrade` marked: quiet while it reboots (the agent's last word was
    /// "maintenance 1", then no samples), loud again once the mark is gone (its last word 0).
    static func maintenanceCases() -> [Case] {
        let mark = "gpucluster_maintenance{job=\"gpucluster-agent\",\(n)}"
        var out: [Case] = []
        for (rule, down, labels) in [
            ("HostDown", "up{job=\"node\",\(n)}", ["job": "node", "node": "gpu01", "severity": "critical"]),
            ("AgentDown", "up{job=\"gpucluster-agent\",\(n)}", ["job": "gpucluster-agent", "node": "gpu01", "severity": "critical"]),
        ] {
            // Marked, then rebooting: no sample of the mark for 8 minutes, the host down all along.
            out.append(Case(rule: rule, series: [(down, "0x10"), (mark, "1x2 _x8")], at: "9m", labels: nil))
            // The mark cleared (0), then the host goes down for real: the alert fires.
            out.append(Case(rule: rule, series: [(down, "1x3 0x7"), (mark, "1x2 0 _x7")], at: "9m", labels: labels))
        }
        out.append(Case(rule: "GPULost", series: [("gpucluster_gpu_up{\(g)}", "0x5"), (mark, "1x5")], at: "3m", labels: nil))
        return out
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func testFile(_ cases: [Case]) -> String {
        var out = "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n"
        for c in cases {
            out += "  - interval: 1m\n    input_series:\n"
            for (series, values) in c.series { out += "      - series: \(quote(series))\n        values: \(quote(values))\n" }
            out += "    alert_rule_test:\n      - eval_time: \(c.at)\n        alertname: \(c.rule)\n"
            if let labels = c.labels {
                out += "        exp_alerts:\n          - exp_labels:\n"
                for (k, v) in labels.sorted(by: { $0.key < $1.key }) { out += "              \(k): \(quote(v))\n" }
            } else {
                out += "        exp_alerts: []\n"
            }
        }
        return out
    }

    @Test("a host in maintenance (gpucluster upgrade) pages nobody while it reboots, and does again once out of it (promtool test rules)")
    func maintenanceSilencesHostDown() throws {
        guard let promtool = Tools.find("promtool") else { Issue.record("promtool is not installed (scripts/test installs prometheus)"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AlertRules.text(try RenderTests.example(), annotations: false).write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
        try Self.testFile(Self.maintenanceCases()).write(toFile: dir + "/tests.yml", atomically: true, encoding: .utf8)
        let r = try Tools.run(promtool, ["test", "rules", dir + "/tests.yml"], timeout: 120)
        #expect(r.status == 0 && (r.output + r.error).contains("SUCCESS"), "promtool test rules:\n\(r.output)\n\(r.error)")
    }

    @Test("every rendered rule fires on its condition, with its labels, and stays quiet otherwise (promtool test rules)")
    func everyRuleFiresAndStaysQuiet() throws {
        guard let promtool = Tools.find("promtool") else { Issue.record("promtool is not installed (scripts/test installs prometheus)"); return }
        let spec = try RenderTests.example()
        let cases = Self.cases()
        let rendered = Set(AlertRules.rules(spec).map(\.name))
        #expect(Set(cases.map(\.rule)) == rendered, "a case per rule: missing \(rendered.subtracting(cases.map(\.rule)).sorted())")
        #expect(cases.filter { $0.labels != nil }.count == rendered.count && cases.filter { $0.labels == nil }.count == rendered.count)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AlertRules.text(spec, annotations: false).write(toFile: dir + "/rules.yml", atomically: true, encoding: .utf8)
        try Self.testFile(cases).write(toFile: dir + "/tests.yml", atomically: true, encoding: .utf8)
        let r = try Tools.run(promtool, ["test", "rules", dir + "/tests.yml"], timeout: 120)
        #expect(r.status == 0 && (r.output + r.error).contains("SUCCESS"), "promtool test rules:\n\(r.output)\n\(r.error)")
        // The check can fail: a quiet case that expects an alert is reported.
        var wrong = cases[0]
        wrong.series = cases[1].series
        try Self.testFile([wrong]).write(toFile: dir + "/wrong.yml", atomically: true, encoding: .utf8)
        let w = try Tools.run(promtool, ["test", "rules", dir + "/wrong.yml"], timeout: 60)
        #expect(w.status != 0 && (w.output + w.error).contains("HostDown"), "\(w.output) \(w.error)")
    }
}
