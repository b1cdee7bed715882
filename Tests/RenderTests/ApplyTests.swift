import Apply
import Foundation
import Testing
import TestSupport

/// `apply` and `drift` drive the real ansible-playbook (from .venv) on a small project whose
/// hosts are this machine (connection local, writing only into a temp folder) and a host on a
/// closed loopback port (unreachable). The cluster roles themselves are applied in the lab.
@Suite("apply and drift", .serialized)
struct ApplyTests {
    static func project(failing: Bool = false) throws -> (dir: String, data: String) {
        let dir = try RenderTests.tempDir(), data = try RenderTests.tempDir()
        try FileManager.default.createDirectory(atPath: "\(dir)/inventory", withIntermediateDirectories: true)
        try """
        [defaults]
        inventory = inventory/hosts.yml
        host_key_checking = False

        """.write(toFile: "\(dir)/ansible.cfg", atomically: true, encoding: .utf8)
        try """
        all:
          hosts:
            here:
              ansible_connection: local
              ansible_python_interpreter: \(Repo.path(".venv/bin/python"))
            gone:
              ansible_host: 127.0.0.1
              ansible_port: 1

        """.write(toFile: "\(dir)/inventory/hosts.yml", atomically: true, encoding: .utf8)
        try """
        - name: Small play
          hosts: all
          gather_facts: false
          tasks:
            - name: Write the sshd drop-in
              ansible.builtin.copy:
                dest: "\(data)/{{ inventory_hostname }}-00-gpucluster.conf"
                content: "PasswordAuthentication no\\nAuthenticationMethods publickey\\n"
                mode: "0644"
            - name: Only reads
              ansible.builtin.command: cat /etc/hostname
              changed_when: false
              check_mode: false
        \(failing ? "    - name: Breaks\n      ansible.builtin.command: /bin/false\n" : "")
        """.write(toFile: "\(dir)/site.yml", atomically: true, encoding: .utf8)
        return (dir, data)
    }

    static func gpucluster(_ args: [String]) throws -> Tools.Result {
        try Tools.run(Binary.gpucluster, args + ["--ansible-playbook", Repo.path(".venv/bin/ansible-playbook")], timeout: 180)
    }

    @Test("apply shows progress, a summary per host, exit 3 for an unreachable host; a second run changes nothing")
    func applyTwice() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/ansible-playbook")) else {
            Issue.record("ansible-playbook is not in .venv (scripts/test installs it)"); return
        }
        let (dir, data) = try Self.project()
        let first = try Self.gpucluster(["apply", "--project", dir])
        #expect(first.status == 3, "unreachable host → 3: \(first.output) \(first.error)")
        #expect(first.error.range(of: #"\[1 of 2, 0:0[0-9]\] Write the sshd drop-in"#, options: .regularExpression) != nil && first.error.contains("here: changed"), "\(first.error)")
        #expect(first.error.contains("gone: UNREACHABLE"), "\(first.error)")
        let here = first.output.split(separator: "\n").first { $0.hasPrefix("here") }.map(String.init) ?? ""
        #expect(here.split(separator: " ").map(String.init) == ["here", "2", "1", "0", "0", "0"], "\(first.output)")
        #expect(first.output.contains("unreachable: "), "\(first.output)")
        #expect(FileManager.default.fileExists(atPath: "\(data)/here-00-gpucluster.conf"))

        let second = try Self.gpucluster(["apply", "--project", dir, "--limit", "here"])
        #expect(second.status == 0, "\(second.output) \(second.error)")
        let again = second.output.split(separator: "\n").first { $0.hasPrefix("here") }.map(String.init) ?? ""
        #expect(again.split(separator: " ").map(String.init) == ["here", "2", "0", "0", "0", "0"], "idempotent: \(second.output)")
        #expect(!second.output.contains("gone"), "--limit leaves the other host out")

        // --json: the same summary for programs; progress still on stderr.
        let third = try Self.gpucluster(["apply", "--project", dir, "--json"])
        #expect(third.status == 3)
        let summary = try JSONDecoder().decode(PlaybookRun.Summary.self, from: Data(third.output.utf8))
        #expect(summary.exitCode == 3 && summary.finished && summary.tasksStarted == 2, "\(third.output)")
        #expect(summary.hosts["here"].map { ($0.ok, $0.changed, $0.failed) } ?? (0, 9, 9) == (2, 0, 0), "\(third.output)")
        #expect(summary.hosts["gone"]?.unreachable == 1 && summary.hosts["gone"]?.unreachableMessage?.isEmpty == false, "\(third.output)")
        #expect(third.error.contains("[2 of 2, "), "\(third.error)")
    }

    @Test("progress never runs past its own total; the implicit fact gathering is not counted")
    func progressWithinTotal() {
        let progress = PlaybookProgress(total: 2)
        var run = PlaybookRun()
        var shown: [String] = []
        for e in [AnsibleEvent.playStart(name: "p"), .taskStart(name: "Gathering Facts"), .taskStart(name: "a"), .taskStart(name: "b"),
                  .playStart(name: "q"), .taskStart(name: "Gathering Facts"), .taskStart(name: "c")] {
            run.apply(e)
            shown += progress.lines(e, run)
        }
        #expect(run.tasksStarted == 3)
        #expect(shown.contains { $0.hasPrefix("[1 of 2, ") } && shown.contains { $0.hasPrefix("[2 of 2, ") })
        #expect(shown.contains { $0.hasPrefix("[3, ") }, "past the count, the number alone: \(shown)")
        #expect(!shown.contains { $0.contains("3 of 2") })
        #expect(shown.filter { $0.hasPrefix("[facts, ") }.count == 2)
    }

    @Test("drift finds a hand edit on one host only, shows the diff, exits 2; 0 once it matches again")
    func drift() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/ansible-playbook")) else {
            Issue.record("ansible-playbook is not in .venv (scripts/test installs it)"); return
        }
        let (dir, data) = try Self.project()
        let applied = try Self.gpucluster(["apply", "--project", dir, "--limit", "here"])
        #expect(applied.status == 0, "\(applied.output) \(applied.error)")
        let clean = try Self.gpucluster(["drift", "--project", dir, "--limit", "here"])
        #expect(clean.status == 0 && clean.output.contains("here: matches the spec"), "\(clean.output) \(clean.error)")
        let file = "\(data)/here-00-gpucluster.conf"
        try "PasswordAuthentication yes\nAuthenticationMethods publickey\n".write(toFile: file, atomically: true, encoding: .utf8)
        let drifted = try Self.gpucluster(["drift", "--project", dir, "--limit", "here"])
        #expect(drifted.status == 2, "\(drifted.output) \(drifted.error)")
        #expect(drifted.output.contains("here: 1 difference") && drifted.output.contains("~ Write the sshd drop-in"))
        #expect(drifted.output.contains("-PasswordAuthentication yes") && drifted.output.contains("+PasswordAuthentication no"), "\(drifted.output)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("yes"), "drift changed nothing")
        #expect(!drifted.output.contains("Only reads"), "a read-only task (check_mode: false) is not drift")
    }

    @Test("a failing task exits 2 and names the task; a folder that is not a project is refused")
    func failures() throws {
        guard FileManager.default.isExecutableFile(atPath: Repo.path(".venv/bin/ansible-playbook")) else {
            Issue.record("ansible-playbook is not in .venv (scripts/test installs it)"); return
        }
        let (dir, _) = try Self.project(failing: true)
        let r = try Self.gpucluster(["apply", "--project", dir, "--limit", "here"])
        #expect(r.status == 2 && r.output.contains("failed: Breaks"), "\(r.output) \(r.error)")
        let empty = try RenderTests.tempDir()
        let n = try Self.gpucluster(["apply", "--project", empty])
        #expect(n.status != 0 && n.error.contains("not a rendered project"), "\(n.error)")
        let opt = try Self.gpucluster(["apply", "--project", dir, "--limit", "--become-user=x"])
        #expect(opt.status != 0)
    }

    @Test("events of the jsonl callback are read as results and stats; other lines are ignored")
    func parse() {
        #expect(AnsibleEvent.parse("[WARNING]: something") == nil)
        let stats = AnsibleEvent.parse(#"{"_event":"v2_playbook_on_stats","stats":{"h":{"ok":3,"changed":1,"failures":0,"unreachable":0,"skipped":2}}}"#)
        #expect(stats == [.stats(["h": HostStats(ok: 3, changed: 1, skipped: 2)])])
        let diff = AnsibleEvent.parse(#"{"_event":"v2_runner_on_ok","task":{"name":"T"},"hosts":{"h":{"changed":true,"diff":[{"before":"a\nb\n","after":"a\nc\n","after_header":"/etc/x"}]}}}"#)
        guard case .hostResult(_, "T", .ok, true, _, let d)? = diff?.first else { Issue.record("not parsed"); return }
        #expect(d?.contains("-b") == true && d?.contains("+c") == true)
    }

    @Test("messages from hosts reach the terminal printable: a link target with escape sequences is shown, not obeyed")
    func hostileMessages() {
        var run = PlaybookRun()
        let evil = "/home/alice/x -> /etc/\u{1B}]0;owned\u{07}\u{1B}[2J\u{202E}txt"
        run.apply(.hostResult(host: "gpu01", task: "Report links in homes", outcome: .failed, changed: false, message: evil, diff: nil))
        run.apply(.stats(["gpu01": HostStats(ok: 1, failed: 1)]))
        let out = run.summary()
        #expect(!out.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "raw control characters: \(out.debugDescription)")
        #expect(out.contains("\\u{1b}]0;owned\\u{7}") && out.contains("\\u{202e}"), "\(out)")
        #expect(run.exitCode == 2)
    }
}

