import Foundation
import Testing
import TestSupport
@testable import Render
@testable import Spec

/// The rendered log sink, run as a real rsyslogd on loopback: a message is filed under the
/// name the spec gives its sender's address, whatever hostname it claims, and a program name
/// cannot lead out of the sender's folder.
@Suite("Log sink files by sender")
struct LogSinkTests {
    @Test("a line from gpu01 claiming to be gpu02 lands in gpu01's folder; unknown senders in _unknown")
    func forgedHostname() throws {
        guard let rsyslogd = Tools.find("rsyslogd"), Tools.find("bash") != nil else {
            print("log sink test: SKIPPED: rsyslogd is not installed (scripts/test installs it)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let loaded = SpecLoader.load(bytes: try Repo.bytes("examples/cluster.yaml"))
        let spec = try #require(loaded.spec)
        let files = AnsibleProject.render(spec)
        func file(_ path: String) throws -> String { try #require(files.first { $0.path == path }, "no \(path)").content }
        let template = try file("roles/rsyslog/templates/10-gpucluster-sink.conf.j2")
        let port = try Tools.freePort()
        // The role's Jinja, by hand for the few variables it uses; loopback stands in for the sink's
        // address, and 127.0.0.1 is gpu01 in this test's table.
        let conf = template
            .replacingOccurrences(of: "# {{ ansible_managed }}\n", with: "")
            .replacingOccurrences(of: "{% if gpucluster_log_sink.protocol == 'udp' %}", with: "{% if false %}")
            .replacingOccurrences(of: "/etc/rsyslog.d/gpucluster-senders.json", with: dir + "/senders.json")
            .replacingOccurrences(of: "/var/log/hosts/", with: dir + "/logs/")
            .replacingOccurrences(of: "{{ gpucluster_log_sink.address }}", with: "127.0.0.1")
            .replacingOccurrences(of: "{{ gpucluster_log_sink.port }}", with: "\(port)")
            .replacingOccurrences(of: "{{ rsyslog_sink_file_max }}", with: "4k")
            .replacingOccurrences(of: "{{ rsyslog_sink_programs | to_json }}", with: #"["sshd", "sudo"]"#)
        #expect(!conf.contains("{{"), "a variable left unreplaced: \(conf)")
        let plain = Self.dropUDPBranch(conf)
        try plain.write(toFile: dir + "/sink.conf", atomically: true, encoding: .utf8)
        try #"{ "version": 1, "nomatch": "_unknown", "type": "string", "table": [ { "index": "127.0.0.1", "value": "gpu01" } ] }"#
            .write(toFile: dir + "/senders.json", atomically: true, encoding: .utf8)
        let check = try Tools.run(rsyslogd, ["-N1", "-f", dir + "/sink.conf"])
        try #require(check.status == 0, "rsyslogd -N1: \(check.error)\n\(plain)")
        let daemon = try Spawned(rsyslogd, ["-n", "-f", dir + "/sink.conf", "-i", dir + "/rsyslogd.pid"])
        defer { daemon.stop() }
        // A forged hostname and a program name aiming out of the folder, once rsyslogd listens.
        let lines = "<13>Dec 11 12:00:00 gpu02 sshd[99]: forged by gpu01\\n<13>Dec 11 12:00:00 gpu02 ..[1]: climbing\\n"
        var sent = false
        for _ in 0..<50 where !sent {
            sent = (try? Tools.run("/bin/bash", ["-c", "printf '\(lines)' > /dev/tcp/127.0.0.1/\(port)"]))?.status == 0
            if !sent { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(sent, "rsyslogd never listened on 127.0.0.1:\(port)")
        var filed = ""
        for _ in 0..<150 {
            filed = (try? String(contentsOfFile: dir + "/logs/gpu01/sshd.log", encoding: .utf8)) ?? ""
            if filed.contains("forged by gpu01") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let written = FileManager.default.enumerator(atPath: dir + "/logs")?.allObjects.map { "\($0)" } ?? []
        #expect(filed.contains("forged by gpu01"), "filed under the sender's spec name; files: \(written)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/logs/gpu02"), "nothing under the claimed hostname")
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/logs")) ?? []
        #expect(folders == ["gpu01"], "only the sender's folder: \(folders)")
        let senderFiles = ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/logs/gpu01")) ?? []).sorted()
        #expect(senderFiles == ["other.log", "sshd.log"], "a known program gets its file, the rest other.log: \(senderFiles)")
        // A flood from one sender stops at its file's limit (4k here): the disk is not filled,
        // and rsyslogd keeps running.
        let flood = (0..<500).map { "<13>Dec 11 12:00:00 gpu01 flood[1]: line \($0) padding padding padding padding padding" }.joined(separator: "\\n")
        let f = try Tools.run("/bin/bash", ["-c", "printf '\(flood)\\n' > /dev/tcp/127.0.0.1/\(port)"])
        #expect(f.status == 0)
        Thread.sleep(forTimeInterval: 1.5)
        let size = ((try? FileManager.default.attributesOfItem(atPath: dir + "/logs/gpu01/other.log"))?[.size] as? Int) ?? -1
        #expect(size > 0 && size < 16 << 10, "500 lines (~45 KB) from one sender, file \(size) bytes")
        #expect(kill(daemon.pid, 0) == 0, "rsyslogd still running")
    }

    /// The template's `{% if false %} udp {% else %} tcp {% endif %}` resolved by hand.
    static func dropUDPBranch(_ text: String) -> String {
        var out: [Substring] = []
        var mode = 0  // 0 outside, 1 in the udp branch (dropped), 2 in the tcp branch
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t == "{% if false %}" { mode = 1; continue }
            if t == "{% else %}" && mode == 1 { mode = 2; continue }
            if t == "{% endif %}" && mode != 0 { mode = 0; continue }
            if mode != 1 { out.append(line) }
        }
        return out.joined(separator: "\n")
    }
}
