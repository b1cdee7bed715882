import Foundation
import Testing
import Backup
@testable import Render
import Spec
import TestSupport

/// `gpucluster render`: golden tree, determinism, minimal diffs, and every generated config
/// checked by its own tool (sshd, visudo, promtool, ansible-playbook, ansible-lint).
@Suite("Render", .serialized)
struct RenderTests {
    static func example() throws -> ClusterSpec {
        try #require(SpecLoader.load(bytes: Array(ExampleSpec.text.utf8)).spec)
    }

    static func spec(_ text: String) throws -> ClusterSpec {
        let l = SpecLoader.load(bytes: Array(text.utf8))
        #expect(l.isValid, "\(l.diagnostics.map { "\($0)" })")
        return try #require(l.spec)
    }

    static func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("render-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test("the example spec renders to the checked-in tree (GPUCLUSTER_UPDATE_GOLDEN=1 rewrites it)")
    func golden() throws {
        let files = AnsibleProject.render(try Self.example(), specText: ExampleSpec.text)
        let golden = Repo.path("Tests/Golden/render")
        if ProcessInfo.processInfo.environment["GPUCLUSTER_UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(atPath: golden)
            _ = try ProjectWriter.write(files, to: golden)
        }
        let listed = try FileManager.default.subpathsOfDirectory(atPath: golden)
            .filter { $0 != ProjectWriter.manifest && !FileManager.default.isDirectory(golden + "/" + $0) }.sorted()
        #expect(listed == files.map(\.path), "the tree has the same files")
        for f in files {
            let g = try? String(contentsOfFile: "\(golden)/\(f.path)", encoding: .utf8)
            #expect(g == f.content, "\(f.path) differs from Tests/Golden/render")
        }
    }

    @Test("same spec, same bytes; one change alters only the files it should")
    func minimalDiffs() throws {
        let base = AnsibleProject.render(try Self.example())
        #expect(base == AnsibleProject.render(try Self.example()))
        func changed(_ edit: (String) -> String) throws -> Set<String> {
            let other = AnsibleProject.render(try Self.spec(edit(ExampleSpec.text)))
            let a = Dictionary(uniqueKeysWithValues: base.map { ($0.path, $0.content) })
            let b = Dictionary(uniqueKeysWithValues: other.map { ($0.path, $0.content) })
            return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }
        }
        // A new user: the user list and the new key file, nothing else.
        #expect(try changed { $0.replacingOccurrences(of: "  - { name: carol,", with: "  - { name: dave, uid: 2004, keys: [\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH dave@x\"] }\n  - { name: carol,") }
                == ["inventory/group_vars/all.yml", "keys/dave.pub"])
        // The dashboard only from inside: the bastion's firewall only.
        #expect(try changed { $0.replacingOccurrences(of: "dashboard: { tcp: [8080], on: [dashboard], from: [public, internal] }",
                                                      with: "dashboard: { tcp: [8080], on: [dashboard], from: [internal] }") }
                == ["inventory/host_vars/bastion.yml"])
        // One node's GPU count: that node's host vars.
        #expect(try changed { $0.replacingOccurrences(of: "gpus: 4\n", with: "gpus: 2\n") } == ["inventory/host_vars/gpu03.yml"])
    }

    /// Renders a template for a host with Jinja2 (as Ansible would) into `dir/name`.
    /// `release`: the facts the host reports (Debian 12 unless said).
    static func jinja(_ project: String, host: String, _ template: String, into path: String, release: OSRelease = .debian12) throws {
        let r = try Tools.run(Repo.path(".venv/bin/python"), [Repo.path("Tests/render/render_template.py"), project, host, template, release.rawValue])
        #expect(r.status == 0, "\(template) for \(host): \(r.error)")
        try r.output.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("every generated config passes its own tool: sshd -t, visudo -c, promtool, ansible-playbook --syntax-check, ansible-lint")
    func realTools() throws {
        let project = try Self.tempDir()
        _ = try ProjectWriter.write(AnsibleProject.render(try Self.example(), specText: ExampleSpec.text), to: project)
        let out = try Self.tempDir()
        var missing: [String] = []

        if let sshd = Tools.find("sshd") {
            // sshd -t insists on its privilege-separation folder (systemd's RuntimeDirectory makes it).
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            try Self.jinja(project, host: "gpu01", "roles/sshd/templates/00-gpucluster.conf.j2", into: "\(out)/sshd.conf")
            let r = try Tools.run(sshd, ["-t", "-f", "\(out)/sshd.conf"])
            #expect(r.status == 0, "sshd -t: \(r.error)")
            let effective = try Tools.run(sshd, ["-T", "-f", "\(out)/sshd.conf", "-C", "user=bob,host=x,addr=10.10.0.5"])
            #expect(effective.output.contains("passwordauthentication no") && effective.output.contains("authenticationmethods publickey")
                    && effective.output.contains("kbdinteractiveauthentication no") && effective.output.contains("permitrootlogin without-password"),
                    "\(effective.output)")
        } else { missing.append("sshd (openssh-server)") }

        if let visudo = Tools.find("visudo") {
            for host in ["bastion", "gpu01"] {
                try Self.jinja(project, host: host, "roles/sudo/templates/gpucluster.sudoers.j2", into: "\(out)/sudoers-\(host)")
                let r = try Tools.run(visudo, ["-c", "-f", "\(out)/sudoers-\(host)"])
                #expect(r.status == 0, "visudo \(host): \(r.output) \(r.error)")
            }
            let bastion = try String(contentsOfFile: "\(out)/sudoers-bastion", encoding: .utf8)
            #expect(bastion.contains("alice ALL=(ALL:ALL) NOPASSWD: ALL"))
            #expect(bastion.contains("backup-reader ALL=(root) NOPASSWD: /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc"))
            #expect(!bastion.contains("bob") && !bastion.contains("*"))
            #expect(try String(contentsOfFile: "\(out)/sudoers-gpu01", encoding: .utf8).contains("backup-reader") == false)
        } else { missing.append("visudo (sudo)") }

        try Self.jinja(project, host: "bastion", "roles/dashboard/templates/gpucluster-dashboard.service.j2", into: "\(out)/dashboard.service")
        #expect(try String(contentsOfFile: "\(out)/dashboard.service", encoding: .utf8).contains("--public-unix-socket /run/gpucluster-dashboard/public.sock --db /var/lib/gpucluster-dashboard/"))

        if let promtool = Tools.find("promtool") {
            try FileManager.default.createDirectory(atPath: "\(out)/rules", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(project)/roles/prometheus/files/gpucluster.rules.yml", toPath: "\(out)/rules/gpucluster.yml")
            try Self.jinja(project, host: "bastion", "roles/prometheus/templates/prometheus.yml.j2", into: "\(out)/prometheus.yml")
            let c = try Tools.run(promtool, ["check", "config", "\(out)/prometheus.yml"])
            #expect(c.status == 0, "promtool check config: \(c.output) \(c.error)")
            let rules = try Tools.run(promtool, ["check", "rules", "\(out)/rules/gpucluster.yml"])
            let ruleCount = AlertRules.rules(try Self.example()).count
            #expect(rules.status == 0 && (rules.output + rules.error).contains("SUCCESS: \(ruleCount) rules found"), "\(rules.output)\(rules.error)")
            let p = try String(contentsOfFile: "\(out)/prometheus.yml", encoding: .utf8)
            #expect(p.contains("targets: [\"10.10.0.11:9855\"]") && p.contains("node: \"gpu01\""), "scrape targets labelled with the node name")
        } else { missing.append("promtool (prometheus)") }

        if let rsyslogd = Tools.find("rsyslogd") {
            try Self.jinja(project, host: "bastion", "roles/rsyslog/templates/10-gpucluster-sink.conf.j2", into: "\(out)/sink.conf")
            try Self.jinja(project, host: "bastion", "roles/rsyslog/templates/gpucluster-senders.json.j2", into: "\(out)/senders.json")
            try Self.jinja(project, host: "gpu01", "roles/rsyslog/templates/60-gpucluster-forward.conf.j2", into: "\(out)/forward.conf")
            // The sink reads its table from /etc/rsyslog.d on a host; here from the test folder.
            let sinkText = try String(contentsOfFile: "\(out)/sink.conf", encoding: .utf8)
            try sinkText.replacingOccurrences(of: "/etc/rsyslog.d/gpucluster-senders.json", with: "\(out)/senders.json")
                .write(toFile: "\(out)/sink.conf", atomically: true, encoding: .utf8)
            let table = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/senders.json"))) as? [String: Any]
            let rows = (table?["table"] as? [[String: String]]) ?? []
            #expect(rows.contains { $0["index"] == "10.10.0.11" && $0["value"] == "gpu01" } && table?["nomatch"] as? String == "_unknown",
                    "senders table: \(String(describing: table))")
            for f in ["sink.conf", "forward.conf"] {
                let r = try Tools.run(rsyslogd, ["-N1", "-f", "\(out)/\(f)"])
                #expect(r.status == 0, "rsyslogd -N1 \(f): \(r.output) \(r.error)")
            }
            let fwd = try String(contentsOfFile: "\(out)/forward.conf", encoding: .utf8)
            #expect(fwd.contains("protocol=\"tcp\"") && fwd.contains("queue.type=\"LinkedList\"") && fwd.contains("action.resumeRetryCount=\"-1\""))
            let sink = try String(contentsOfFile: "\(out)/sink.conf", encoding: .utf8)
            #expect(!sink.contains("HOSTNAME") && sink.contains("lookup(\"gpucluster_senders\", $fromhost-ip)")
                    && sink.contains("address=\"10.10.0.1\""), "the sink files by sender address and listens on its own: \(sink)")
            // The sink's rotation of what the hosts send, read by logrotate itself (debug: changes nothing).
            if let logrotate = Tools.find("logrotate") {
                try Self.jinja(project, host: "bastion", "roles/rsyslog/templates/gpucluster-hosts.logrotate.j2", into: "\(out)/hosts.logrotate")
                let lr = try Tools.run(logrotate, ["-d", "-s", "\(out)/logrotate.state", "\(out)/hosts.logrotate"])
                #expect(lr.status == 0 && !(lr.output + lr.error).contains("error"), "logrotate -d: \(lr.output) \(lr.error)")
            } else { missing.append("logrotate") }
        } else { missing.append("rsyslogd (rsyslog)") }

        if let amtool = Tools.find("amtool") {
            try Self.jinja(project, host: "bastion", "roles/alertmanager/templates/alertmanager.yml.j2", into: "\(out)/alertmanager.yml")
            let r = try Tools.run(amtool, ["check-config", "\(out)/alertmanager.yml"])
            #expect(r.status == 0, "amtool check-config: \(r.output) \(r.error)")
        } else { missing.append("amtool (prometheus-alertmanager)") }

        if let smartd = Tools.find("smartd") {
            // smartd prints the test calendar only for disks it can open (the lab has them);
            // here: the file parses, and the -s field is the spec's schedule.
            try Self.jinja(project, host: "gpu01", "roles/smartd/templates/smartd.conf.j2", into: "\(out)/smartd.conf")
            let r = try Tools.run(smartd, ["-q", "showtests", "-c", "\(out)/smartd.conf"])
            #expect((r.output + r.error).contains("was parsed"), "smartd: \(r.output) \(r.error)")
            #expect(try String(contentsOfFile: "\(out)/smartd.conf", encoding: .utf8).contains("-s (S/../.././02|L/../../6/03)"))
        } else { missing.append("smartd (smartmontools)") }

        try Self.jinja(project, host: "bastion", "roles/nfs/templates/gpucluster.exports.j2", into: "\(out)/exports")
        #expect(try String(contentsOfFile: "\(out)/exports", encoding: .utf8).contains("/home 10.10.0.0/24(rw,sync,root_squash,no_subtree_check)\n"))

        try Self.jinja(project, host: "gpu01", "roles/agent/templates/gpucluster-agent.service.j2", into: "\(out)/agent.service")
        #expect(try String(contentsOfFile: "\(out)/agent.service", encoding: .utf8)
                    .contains("ExecStart=/usr/local/bin/gpucluster-agent --unix-socket /run/gpucluster-agent/agent.sock --interval 5 --smart-interval 10 --expected-gpus 8\nRestart=always\n"),
                "ExecStart must end its own line (Jinja's trim_blocks once glued the next line onto it)")
        // The agent's port is held by systemd on loopback and the host's own address, never all.
        try Self.jinja(project, host: "gpu01", "roles/agent/templates/gpucluster-agent-proxy.socket.j2", into: "\(out)/agent.socket")
        let socketUnit = try String(contentsOfFile: "\(out)/agent.socket", encoding: .utf8)
        #expect(socketUnit.contains("[Socket]\nListenStream=127.0.0.1:9855\nListenStream=10.10.0.11:9855\nFreeBind=yes\n") && !socketUnit.contains("0.0.0.0"),
                "socket unit: \(socketUnit)")
        try Self.jinja(project, host: "gpu01", "roles/agent/templates/gpucluster-agent-proxy.service.j2", into: "\(out)/agent-proxy.service")
        #expect(try String(contentsOfFile: "\(out)/agent-proxy.service", encoding: .utf8)
                    .contains("ExecStart=/lib/systemd/systemd-socket-proxyd --connections-max=2048 /run/gpucluster-agent/agent.sock\n"))
        // The dashboard's ports: the inside socket on loopback and the internal address, the
        // public one on the public address, each to its own Unix socket of the dashboard.
        try Self.jinja(project, host: "bastion", "roles/dashboard/templates/gpucluster-dashboard-inside.socket.j2", into: "\(out)/dash-inside.socket")
        try Self.jinja(project, host: "bastion", "roles/dashboard/templates/gpucluster-dashboard-public.socket.j2", into: "\(out)/dash-public.socket")
        try Self.jinja(project, host: "bastion", "roles/dashboard/templates/gpucluster-dashboard.service.j2", into: "\(out)/dash.service")
        let inside = try String(contentsOfFile: "\(out)/dash-inside.socket", encoding: .utf8)
        let publicSocket = try String(contentsOfFile: "\(out)/dash-public.socket", encoding: .utf8)
        #expect(inside.contains("[Socket]\nListenStream=127.0.0.1:8080\nListenStream=10.10.0.1:8080\nFreeBind=yes\n"), "inside socket: \(inside)")
        #expect(publicSocket.contains("[Socket]\nListenStream=203.0.113.5:8080\nFreeBind=yes\n"), "public socket: \(publicSocket)")
        #expect(try String(contentsOfFile: "\(out)/dash.service", encoding: .utf8).contains(
            "--unix-socket /run/gpucluster-dashboard/inside.sock --public-unix-socket /run/gpucluster-dashboard/public.sock --db /var/lib/gpucluster-dashboard/dashboard.sqlite\nRestart=always\n"))
        try Self.jinja(project, host: "backup", "roles/agent/templates/gpucluster-agent.service.j2", into: "\(out)/backup-agent.service")
        #expect(try String(contentsOfFile: "\(out)/backup-agent.service", encoding: .utf8)
                    .contains("--smart-interval 10 --backup-state /var/lib/gpucluster/backup-state.json\n"), "the backup server's agent reports the state file")

        // The backup server's config is what `gpucluster backup` accepts, with the spec's values.
        try Self.jinja(project, host: "backup", "roles/backup/templates/backup.json.j2", into: "\(out)/backup.json")
        let backup = try BackupConfig.load(path: "\(out)/backup.json")
        #expect(backup.source == "backup-reader@10.10.0.1" && backup.paths == ["/home", "/etc"])
        #expect(backup.keepDaily == 7 && backup.keepWeekly == 4 && backup.keepMonthly == 12)
        #expect(backup.ssh.contains("StrictHostKeyChecking=yes") && backup.remoteRsync == "sudo -n /usr/bin/rsync")
        try Self.jinja(project, host: "backup", "roles/backup/templates/gpucluster-backup.timer.j2", into: "\(out)/backup.timer")
        #expect(try String(contentsOfFile: "\(out)/backup.timer", encoding: .utf8).contains("OnCalendar=*-*-* 01:30:00\n"))
        if let analyze = Tools.find("systemd-analyze") {
            let cal = try Tools.run(analyze, ["calendar", "*-*-* 01:30:00", "Sun *-*-* 05:00:00"])
            #expect(cal.status == 0, "systemd-analyze calendar: \(cal.error)")
        }
        let sh = try Tools.run("/bin/sh", ["-n", "\(project)/roles/firewall/files/gpucluster-firewall-revert"])
        #expect(sh.status == 0)

        if let playbook = Tools.find("ansible-playbook"), let lint = Tools.find("ansible-lint") {
            let env = ["ANSIBLE_CONFIG": "\(project)/ansible.cfg", "ANSIBLE_LOCAL_TEMP": "\(out)/ansible-tmp", "HOME": out]
            for book in ["site.yml", "upgrade.yml", "upgrade-finish.yml"] {
                let syntax = try Tools.run(playbook, ["--syntax-check", "-i", "\(project)/inventory/hosts.yml", "\(project)/\(book)"], environment: env, timeout: 120)
                #expect(syntax.status == 0, "syntax-check \(book): \(syntax.output) \(syntax.error)")
                #expect(!syntax.error.contains("WARNING"), "no warnings (e.g. a group named like a host): \(syntax.error)")
            }
            let l = try Tools.run("/bin/sh", ["-c", "cd '\(project)' && '\(lint)' --nocolor"], environment: env, timeout: 300)
            #expect(l.status == 0 && (l.output + l.error).contains("'production'"), "ansible-lint: \(l.output) \(l.error)")
        } else { missing.append("ansible-playbook / ansible-lint (.venv)") }
        #expect(missing.isEmpty, "tools missing (scripts/test installs them): \(missing)")
    }

    /// smartd matches its `-s` regex against "T/MM/DD/d/HH" once an hour (d: 1 = Monday … 7 =
    /// Sunday) with POSIX extended regexes. `smartd -q showtests` lists the calendar only for
    /// disks it can open, and build machines have none: so the same matching, with the same
    /// regcomp, over two weeks of hours.
    @Test("smartd's -s pattern schedules the short test daily at 02 and the long one on Saturdays at 03")
    func smartdSchedule() throws {
        let files = AnsibleProject.render(try Self.example())
        let vars = try #require(files.first { $0.path == "inventory/group_vars/all.yml" }?.content)
        func value(_ key: String) throws -> String {
            let line = try #require(vars.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") })
            return String(line.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: CharacterSet(charactersIn: " \""))
        }
        let pattern = "^(\(try value("short_pattern"))|\(try value("long_pattern")))$"
        var re = regex_t()
        try #require(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0, "smartd would refuse \(pattern)")
        defer { regfree(&re) }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        let start = cal.date(from: DateComponents(year: 2026, month: 11, day: 30))!   // a Monday
        var short: [String] = [], long: [String] = []
        for h in 0..<(14 * 24) {
            let d = cal.date(byAdding: .hour, value: h, to: start)!
            let c = cal.dateComponents([.month, .day, .weekday, .hour], from: d)
            let dow = c.weekday! == 1 ? 7 : c.weekday! - 1
            func stamp(_ t: String) -> String { String(format: "%@/%02d/%02d/%d/%02d", t, c.month!, c.day!, dow, c.hour!) }
            if regexec(&re, stamp("S"), 0, nil, 0) == 0 { short.append(stamp("S")) }
            if regexec(&re, stamp("L"), 0, nil, 0) == 0 { long.append(stamp("L")) }
        }
        #expect(short.count == 14 && short.allSatisfy { $0.hasSuffix("/02") }, "short tests: \(short)")
        #expect(long == ["L/12/05/6/03", "L/12/12/6/03"], "long tests: \(long)")
    }

    @Test("the Grafana dashboard is valid JSON and every panel's query is valid PromQL (promtool)")
    func grafana() throws {
        let files = AnsibleProject.render(try Self.example())
        let text = try #require(files.first { $0.path == "grafana/gpucluster-dashboard.json" }?.content)
        let model = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let panels = try #require(model["panels"] as? [[String: Any]])
        #expect(panels.count == 12, "8 GPU panels and a host row of 4")
        let exprs = panels.compactMap { (($0["targets"] as? [[String: Any]])?.first?["expr"]) as? String }
        #expect(exprs.count == panels.count && exprs.allSatisfy { $0.contains("gpucluster_") || $0.contains("up{") || $0.contains("node_") })
        #expect(exprs.filter { $0.contains("node_") }.count == 4)
        guard let promtool = Tools.find("promtool") else { Issue.record("promtool missing (scripts/test installs prometheus)"); return }
        var rules = "groups:\n  - name: grafana-panels\n    rules:\n"
        for (i, e) in exprs.enumerated() {
            rules += "      - record: panel_\(i)\n        expr: '\(e.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let file = try Self.tempDir() + "/panels.yml"
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Tools.run(promtool, ["check", "rules", file])
        #expect(r.status == 0, "promtool: \(r.output) \(r.error)")
    }

    @Test("the agent unit in deploy/ is the role's template with the default command line")
    func unitInSync() throws {
        let deployed = try String(contentsOfFile: Repo.path("deploy/systemd/gpucluster-agent.service"), encoding: .utf8)
        let template = AgentUnit.template.replacingOccurrences(of: "# {{ ansible_managed }}\n", with: "")
        func body(_ s: String) -> [Substring] { s.split(separator: "\n").filter { !$0.hasPrefix("ExecStart=") } }
        #expect(body(deployed) == body(template))
        // The port and its proxy beside it, as the role renders them (the socket without the
        // host's own address, which only the role knows).
        let proxy = try String(contentsOfFile: Repo.path("deploy/systemd/gpucluster-agent-proxy.service"), encoding: .utf8)
        #expect(proxy == AgentUnit.proxyTemplate.replacingOccurrences(of: "# {{ ansible_managed }}\n", with: ""))
        let socket = try String(contentsOfFile: Repo.path("deploy/systemd/gpucluster-agent-proxy.socket"), encoding: .utf8)
        #expect(socket.contains("[Socket]\nListenStream=127.0.0.1:9855\nFreeBind=yes\n") && AgentUnit.socketTemplate.contains("FreeBind=yes\nNoDelay=yes\nBacklog=1024\n"))
    }

    @Test("the writer never writes into a folder it did not render, keeps hand-added files, removes what is no longer generated")
    func writer() throws {
        let dir = try Self.tempDir()
        try "mine".write(toFile: "\(dir)/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: ProjectWriter.Failure.self) { try ProjectWriter.write([RenderedFile("a.yml", "x")], to: dir) }
        #expect(try String(contentsOfFile: "\(dir)/notes.txt", encoding: .utf8) == "mine")

        let out = try Self.tempDir() + "/project"
        let first = try ProjectWriter.write([RenderedFile("a.yml", "1"), RenderedFile("roles/old/tasks/main.yml", "2")], to: out)
        #expect(first.written.count == 2)
        try "hand".write(toFile: "\(out)/extra.yml", atomically: true, encoding: .utf8)
        let second = try ProjectWriter.write([RenderedFile("a.yml", "1"), RenderedFile("b.yml", "3")], to: out)
        #expect(second.unchanged == 1 && second.written == ["b.yml"] && second.removed == ["roles/old/tasks/main.yml"])
        #expect(FileManager.default.fileExists(atPath: "\(out)/extra.yml"))
        #expect(throws: ProjectWriter.Failure.self) { try ProjectWriter.write([RenderedFile("../escape", "x")], to: out) }
        #expect(!FileManager.default.fileExists(atPath: "\(out)/../escape"))
    }

    @Test("YAML values that look like other types, or carry quotes and newlines, round-trip through PyYAML")
    func yamlQuoting() throws {
        let tricky = ["yes", "No", "on", "null", "~", "0755", "1e3", "10.10.0.1", "a: b", "- x", "#c", "\"q\"", "back\\slash",
                      "line\nbreak", "tab\there", "{{ jinja }}", "*alias", "&anchor", "!tag", "%x", "@x", "`x`", "ünï", ""]
        let value = YAMLValue.map([("values", .list(tricky.map { .string($0) }))])
        let file = try Self.tempDir() + "/t.yml"
        try value.text(indent: 0).write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Tools.run(Repo.path(".venv/bin/python"), ["-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))['values']))", file])
        let back = try JSONDecoder().decode([String].self, from: Data(r.output.utf8))
        #expect(back == tricky)
    }
}

extension FileManager {
    func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }
}
