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
}
