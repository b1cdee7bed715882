import NodeReport
import Foundation
import Testing
import TestSupport
@testable import Agent

/// The updates check's state file (written by the updates role's script) is outside input to
/// the agent: bounded, strictly parsed, anything odd dropped. And the script itself, run here
/// on this Debian machine against its real apt.
@Suite("Updates and reboot status")
struct UpdatesTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("updates-\(UUID().uuidString).state").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a state file: parsed into the host's condition and exported as metrics")
    func valid() throws {
        let path = try write("version 1\nchecked 1764000000\npending 12\nsecurity 3\nreboot 1\nservices 2\nreboot_packages linux-image-6.1.0-99-amd64 libc6\n")
        var snap = NodeSnapshot(hostname: "h", agentVersion: "t", collectedAt: 0, expectedGPUs: nil)
        let c = UpdatesCollector(statePath: path)
        c.collect(&snap)
        let u = try #require(snap.host?.updates)
        #expect(u.pending == 12 && u.security == 3 && u.rebootRequired == true && u.servicesToRestart == 2 && u.checkedAt == 1_764_000_000)
        #expect(u.rebootPackages == ["linux-image-6.1.0-99-amd64", "libc6"])
        #expect(u.summary == "reboot required (linux-image-6.1.0-99-amd64, libc6) · 12 updates, 3 security · 2 services to restart")
        var m = MetricSet()
        c.export(snap, &m)
        let text = m.render()
        for line in ["gpucluster_reboot_required 1", "gpucluster_updates_pending 12", "gpucluster_updates_security_pending 3",
                     "gpucluster_services_restart_pending 2", "gpucluster_updates_checked_timestamp_seconds 1764000000"] {
            #expect(text.contains(line + "\n"), "\(line) in \(text)")
        }
        // No file: nothing exported, nothing invented.
        var none = NodeSnapshot(hostname: "h", agentVersion: "t", collectedAt: 0, expectedGPUs: nil)
        UpdatesCollector(statePath: "/nonexistent/updates.state").collect(&none)
        #expect(none.host?.updates == nil)
    }

    @Test("hostile state files: wrong version, huge and negative numbers, odd package names, too many lines, binary, oversized")
    func hostile() throws {
        #expect(UpdatesStatus.parse("pending 3\nreboot 1\n") == nil, "no version line")
        #expect(UpdatesStatus.parse("version 2\npending 3\n") == nil)
        let odd = try #require(UpdatesStatus.parse("""
            version 1
            pending 99999999999999999999
            security -4
            reboot yes
            services 1e9
            checked 17640000000000000
            reboot_packages linux<script> ok-pkg ../../etc \u{1b}[2J \(String(repeating: "a", count: 65)) \((0..<30).map { "p\($0)" }.joined(separator: " "))
            """))
        #expect(odd.pending == nil && odd.security == nil && odd.rebootRequired == nil && odd.servicesToRestart == nil && odd.checkedAt == nil)
        #expect(odd.rebootPackages.first == "ok-pkg" && !odd.rebootPackages.contains { $0.contains("<") || $0.contains("/") || $0.contains("\u{1b}") })
        #expect(odd.rebootPackages.count <= 20)
        let capped = try #require(UpdatesStatus.parse("version 1\npending 2\nsecurity 9\n"))
        #expect(capped.security == 2, "never more security updates than updates")
        let late = UpdatesStatus.parse("version 1\n" + String(repeating: "x 1\n", count: 40) + "pending 5\n")
        #expect(late?.pending == nil, "only the first 32 lines are read")
        #expect(UpdatesStatus.parse("\u{0}\u{1}\u{2}version 1") == nil)
        let big = try write("version 1\n" + String(repeating: "#", count: 10_000))
        #expect(UpdatesStatus.read(path: big) == nil, "over 4 KiB")
    }

    @Test("the updates role's check script on this machine's real apt writes a state file the agent reads")
    func realScript() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("updates-check-\(UUID().uuidString)").path
        let render = try Tools.run(Binary.gpucluster, ["render", Repo.path("Tests/LabTests/lab-cluster.yaml"), "-o", dir + "/project"])
        #expect(render.status == 0, "render: \(render.error)")
        let r = try Tools.run("/bin/sh", [dir + "/project/roles/updates/files/gpucluster-updates-check", dir + "/updates.state"], timeout: 120)
        #expect(r.status == 0, "the check: \(r.error)")
        let text = try String(contentsOfFile: dir + "/updates.state", encoding: .utf8)
        let s = try #require(UpdatesStatus.parse(text), "not a state file: \(text)")
        #expect(s.pending != nil && s.security != nil && s.rebootRequired != nil && s.checkedAt != nil, "\(text)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp.") }
        #expect(leftovers.isEmpty, "written atomically, no temporary file left")
    }
}
