import Foundation
import Testing
import TestSupport
@testable import Render
@testable import Spec

/// The source side's forced command for the backup server's key, rendered and run by the real
/// shell: the two backup commands run (as written in the gate, not as sent), everything else
/// (a shell, another path, extra or reordered options, a second command) is refused and runs
/// nothing. `/usr/bin/sudo` is swapped for a stand-in that records what would have run.
@Suite("Backup gate")
struct BackupGateTests {
    static let allowed = [
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc",
        "sudo -n /usr/bin/rsync --server --sender -nlHogDtpAXrcRe.iLsfxCIvu --numeric-ids . /home /etc",
    ]
    static let refused = [
        "id", "/bin/sh", "",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /root",
        "sudo -n /usr/bin/rsync --server -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids --remove-source-files . /home /etc",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc; id",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc\nid",
        "sudo -n /usr/bin/rsync --server --sender --numeric-ids -lHogDtpAXrRe.iLsfxCIvu . /home /etc",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc $(id)",
        "sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /*",
    ]

    @Test("the backup commands run exactly; every other form is refused and runs nothing")
    func gate() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/python")) else {
            print("backup gate test: SKIPPED: no .venv (scripts/test makes it)")
            return
        }
        let project = try RenderTests.tempDir()
        _ = try ProjectWriter.write(AnsibleProject.render(try RenderTests.example(), specText: ExampleSpec.text), to: project)
        let out = try RenderTests.tempDir()
        try RenderTests.jinja(project, host: "backup", "roles/backup/templates/gpucluster-backup-gate.j2", into: "\(out)/gate")
        let stub = "\(out)/sudo-stub"
        try "#!/bin/sh\nprintf 'RAN:%s\\n' \"$*\" >> \(out)/ran\n".write(toFile: stub, atomically: true, encoding: .utf8)
        chmod(stub, 0o755)
        let gate = try String(contentsOfFile: "\(out)/gate", encoding: .utf8)
        #expect(gate.contains("exec /usr/bin/sudo -n /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc ;;"), "\(gate)")
        try gate.replacingOccurrences(of: "exec /usr/bin/sudo", with: "exec \(stub)").write(toFile: "\(out)/gate", atomically: true, encoding: .utf8)
        func run(_ command: String) throws -> (Tools.Result, String) {
            try? FileManager.default.removeItem(atPath: "\(out)/ran")
            let r = try Tools.run("/bin/sh", ["\(out)/gate"], environment: ["SSH_ORIGINAL_COMMAND": command, "PATH": "/usr/bin:/bin"])
            return (r, (try? String(contentsOfFile: "\(out)/ran", encoding: .utf8)) ?? "")
        }
        for c in Self.allowed {
            let (r, ran) = try run(c)
            #expect(r.status == 0 && ran == "RAN:" + c.dropFirst("sudo ".count) + "\n", "\(c): exit \(r.status), ran \(ran)")
        }
        for c in Self.refused {
            let (r, ran) = try run(c)
            #expect(r.status == 1 && ran.isEmpty && r.error.contains("refused"), "\(c.debugDescription): exit \(r.status), ran '\(ran)'")
        }
        // The key is installed with the gate as its forced command.
        let tasks = try String(contentsOfFile: "\(project)/roles/backup/tasks/main.yml", encoding: .utf8)
        #expect(tasks.contains(#"key_options: from="{{ gpucluster_backup.server_address }}",restrict,command="/usr/local/sbin/gpucluster-backup-gate""#))
    }

    /// `backup.verifySample: N`: the verify unit runs one slice daily; without it, every file weekly.
    @Test("verifySample renders a daily `verify --sample 1/N` (systemd-analyze accepts the units); without it a weekly full verification; out-of-range values are refused with their position")
    func verifySample() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/python")) else {
            print("backup verifySample test: SKIPPED: no .venv (scripts/test makes it)")
            return
        }
        let sampled = ExampleSpec.text.replacingOccurrences(of: "  keep: { daily: 7, weekly: 4, monthly: 12 }\n",
                                                            with: "  keep: { daily: 7, weekly: 4, monthly: 12 }\n  verifySample: 7\n")
        #expect(sampled != ExampleSpec.text)
        for (text, exec, calendar) in [(sampled, " --sample 1/7\n", "OnCalendar=*-*-* 05:00:00\n"),
                                       (ExampleSpec.text, "\n", "OnCalendar=Sun *-*-* 05:00:00\n")] {
            let project = try RenderTests.tempDir()
            _ = try ProjectWriter.write(AnsibleProject.render(try RenderTests.spec(text), specText: text), to: project)
            let out = try RenderTests.tempDir()
            try RenderTests.jinja(project, host: "backup", "roles/backup/templates/gpucluster-backup-verify.service.j2", into: "\(out)/gpucluster-backup-verify.service")
            try RenderTests.jinja(project, host: "backup", "roles/backup/templates/gpucluster-backup-verify.timer.j2", into: "\(out)/gpucluster-backup-verify.timer")
            let unit = try String(contentsOfFile: "\(out)/gpucluster-backup-verify.service", encoding: .utf8)
            let timer = try String(contentsOfFile: "\(out)/gpucluster-backup-verify.timer", encoding: .utf8)
            #expect(unit.contains("ExecStart=/usr/local/bin/gpucluster backup verify --config /etc/gpucluster/backup.json" + exec), "\(unit)")
            #expect(timer.contains(calendar), "\(timer)")
            if let analyze = Tools.find("systemd-analyze") {
                // ExecStart's binary must exist for systemd-analyze: checked with /bin/true in its place.
                try unit.replacingOccurrences(of: "/usr/local/bin/gpucluster", with: "/bin/true")
                    .write(toFile: "\(out)/gpucluster-backup-verify.service", atomically: true, encoding: .utf8)
                let r = try Tools.run(analyze, ["verify", "\(out)/gpucluster-backup-verify.service", "\(out)/gpucluster-backup-verify.timer"])
                #expect(!r.error.contains("gpucluster-backup-verify"), "systemd-analyze: \(r.error)")
            }
        }
        for bad in ["1", "367", "\"1/7\"", "-3"] {
            let l = SpecLoader.load(bytes: Array(ExampleSpec.text.replacingOccurrences(of: "  keep: { daily: 7, weekly: 4, monthly: 12 }\n",
                                                                                     with: "  keep: { daily: 7, weekly: 4, monthly: 12 }\n  verifySample: \(bad)\n").utf8))
            #expect(!l.isValid && l.diagnostics.contains { "\($0)".contains("backup.verifySample") && "\($0)".contains(":") }, "\(bad): \(l.diagnostics.map { "\($0)" })")
        }
    }
}
