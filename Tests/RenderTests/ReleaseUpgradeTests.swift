import Apply
import Foundation
import Testing
import TestSupport

/// `gpucluster upgrade`'s rollout (`ReleaseUpgrade`) over the real ansible-playbook, on hosts
/// that are this machine (connection local, each writing only into its own temp folder): one
/// host at a time, each through upgrade, apply, checks and finish; the first failure stops it
/// and the hosts after it are not touched. The release_upgrade role itself runs in the lab.
@Suite("upgrade rollout", .serialized)
struct ReleaseUpgradeTests {
    static func project(failUpgradeOn: String?) throws -> (dir: String, data: String) {
        let dir = try RenderTests.tempDir(), data = try RenderTests.tempDir()
        try FileManager.default.createDirectory(atPath: "\(dir)/inventory", withIntermediateDirectories: true)
        try "[defaults]\ninventory = inventory/hosts.yml\nhost_key_checking = False\n".write(toFile: "\(dir)/ansible.cfg", atomically: true, encoding: .utf8)
        let hosts = ["one", "two", "three"].map {
            "    \($0):\n      ansible_connection: local\n      ansible_python_interpreter: \(Repo.path(".venv/bin/python"))\n"
        }.joined()
        try "all:\n  hosts:\n\(hosts)".write(toFile: "\(dir)/inventory/hosts.yml", atomically: true, encoding: .utf8)
        func play(_ step: String, fail: String? = nil) -> String {
            var s = """
            - name: \(step)
              hosts: all
              gather_facts: false
              tasks:
                - name: Leave a mark of \(step)
                  ansible.builtin.copy:
                    dest: "\(data)/{{ inventory_hostname }}-\(step)"
                    content: "\(step)\\n"
                    mode: "0644"

            """
            if let fail {
                s += """
                    - name: Break on \(fail)
                      ansible.builtin.fail:
                        msg: "the upgrade stopped before any package changed"
                      when: inventory_hostname == '\(fail)'

                """
            }
            return s
        }
        try play("upgrade", fail: failUpgradeOn).write(toFile: "\(dir)/upgrade.yml", atomically: true, encoding: .utf8)
        try play("site").write(toFile: "\(dir)/site.yml", atomically: true, encoding: .utf8)
        try play("finish").write(toFile: "\(dir)/upgrade-finish.yml", atomically: true, encoding: .utf8)
        return (dir, data)
    }

    static func marks(_ data: String) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? [])
    }

    static var ansiblePlaybook: String? {
        let p = Repo.path(".venv/bin/ansible-playbook")
        return FileManager.default.isExecutableFile(atPath: p) ? p : nil
    }

    @Test("hosts in the order given, each finished before the next; an upgrade failing on the second stops the rollout there")
    func stopsAtFirstFailure() async throws {
        guard let exe = Self.ansiblePlaybook else { Issue.record("ansible-playbook is not in .venv (scripts/test installs it)"); return }
        let (dir, data) = try Self.project(failUpgradeOn: "two")
        let checked = Checked()
        let rollout = ReleaseUpgrade(runner: PlaybookRunner(project: dir, ansiblePlaybook: exe), hosts: ["one", "two", "three"])
        let out = await rollout.run(checks: { host in await checked.add(host); return [] }, say: { _ in })
        #expect(out.map(\.host) == ["one", "two"])
        #expect(out[0].failed == nil && out[0].seconds.map(\.0) == [.upgrade, .apply, .checks, .finish])
        #expect(out[1].failed?.step == .upgrade && out[1].failed?.message.contains("stopped before any package changed") == true, "\(String(describing: out[1].failed))")
        #expect(Self.marks(data) == ["one-upgrade", "one-site", "one-finish", "two-upgrade"], "\(Self.marks(data).sorted())")
        #expect(await checked.hosts == ["one"])
        let report = ReleaseUpgrade.report(out, planned: ["one", "two", "three"])
        #expect(report.contains("one: upgraded in") && report.contains("two: FAILED at upgrade") && report.contains("not started (rollout stopped): three"), "\(report)")
    }

    @Test("a host that fails its checks stays in maintenance (finish not run) and the next host is not started")
    func checksGateTheNextHost() async throws {
        guard let exe = Self.ansiblePlaybook else { Issue.record("ansible-playbook is not in .venv (scripts/test installs it)"); return }
        let (dir, data) = try Self.project(failUpgradeOn: nil)
        let rollout = ReleaseUpgrade(runner: PlaybookRunner(project: dir, ansiblePlaybook: exe), hosts: ["one", "two"])
        let out = await rollout.run(checks: { host in host == "one" ? ["ports one: expected 22/tcp open, found closed"] : [] }, say: { _ in })
        #expect(out.count == 1 && out[0].failed?.step == .checks && out[0].failed?.message.contains("22/tcp") == true)
        #expect(Self.marks(data) == ["one-upgrade", "one-site"], "\(Self.marks(data).sorted())")
    }

    @Test("upgrade refuses bad --limit and --to before anything runs")
    func refusesBadArguments() throws {
        for (args, says) in [(["--limit", "gpu01,gpu01"], "twice"), (["--limit", ",,"], "host names"), (["--limit", "gpu01", "--to", "debian-11"], "--to must be"),
                             (["--limit=-x"], "host names")] {
            let r = try Tools.run(Binary.gpucluster, ["upgrade"] + args, timeout: 30)
            #expect(r.status != 0 && r.error.contains(says), "\(args): \(r.error)")
        }
        // A host the spec keeps on its release is not upgraded to another one by --to.
        let dir = try RenderTests.tempDir()
        let render = try Tools.run(Binary.gpucluster, ["render", Repo.path("Tests/LabTests/lab-cluster.yaml"), "-o", dir], timeout: 60)
        #expect(render.status == 0, "\(render.error)")
        let r = try Tools.run(Binary.gpucluster, ["upgrade", "--project", dir, "--limit", "gpu01", "--to", "debian-13"], timeout: 30)
        #expect(r.status != 0 && r.error.contains("cluster.yaml says gpu01 runs debian-12, not debian-13"), "\(r.error)")
    }
}

actor Checked {
    var hosts: [String] = []
    func add(_ h: String) { hosts.append(h) }
}
