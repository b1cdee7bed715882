import Backup
import Foundation
import Spec
import Testing

/// The pure parts: snapshot names, retention, rsync's itemized output, the config's checks.
@Suite("backup: names, retention, rsync output, config")
struct BackupLogicTests {
    @Test("snapshot names round-trip and reject anything else")
    func names() {
        let s = SnapshotName(time: 1_795_000_000)
        #expect(SnapshotName(s.description) == s)
        #expect(s.description == "2026-11-18T110640Z")
        for bad in ["", "latest", "2026-11-18T110640Z.partial", "2026-02-31T000000Z", "2026-11-18t081320z",
                    "../2026-11-18T110640Z", "2026-11-18T110640Z/..", "2026-13-01T000000Z", "２026-11-18T110640Z",
                    "2026-11-18T246000Z", String(repeating: "9", count: 10_000)] {
            #expect(SnapshotName(bad) == nil, "\(bad.prefix(40)) taken for a snapshot")
        }
    }

    /// Snapshots every day at 01:30 for 400 days: 7 daily + 4 weekly + 12 monthly overlap into
    /// at most 23, the newest always kept, the oldest kept one about a year old.
    @Test("retention keeps the newest per day, week and month, and the latest")
    func retention() {
        let day = 86_400
        let start = 1_767_231_000   // 2026-01-01T01:30:00Z
        let all = (0..<400).map { SnapshotName(time: start + $0 * day) }
        let d = Retention(daily: 7, weekly: 4, monthly: 12).decide(all)
        let kept = d.keep.keys.sorted()
        #expect(d.keep.count + d.remove.count == 400)
        #expect(d.keep[all.last!]?.contains("latest") == true)
        #expect(all.suffix(7).allSatisfy { d.keep[$0]?.contains("daily") == true })
        #expect(d.keep.values.filter { $0.contains("weekly") }.count == 4)
        #expect(d.keep.values.filter { $0.contains("monthly") }.count == 12)
        #expect(kept.count <= 23 && kept.count >= 12)
        let oldestAgeDays = (all.last!.time - kept.first!.time) / day
        #expect((300...366).contains(oldestAgeDays), "oldest kept is \(oldestAgeDays) days old")
        // Several runs on one day: only that day's newest counts as its daily.
        let sameDay = [0, 3600, 7200].map { SnapshotName(time: start + $0) }
        let d2 = Retention(daily: 2, weekly: 0, monthly: 0).decide(sameDay)
        #expect(d2.keep.keys.sorted() == [sameDay[2]])
        #expect(d2.remove == [sameDay[0], sameDay[1]])
        // keep nothing but daily 1: still the newest.
        #expect(Retention(daily: 1, weekly: 0, monthly: 0).decide(all).keep.count == 1)
        #expect(Retention(daily: 1, weekly: 0, monthly: 0).decide([]).keep.isEmpty)
    }

    /// Lines as rsync 3.2+ prints them with `--out-format='%i %l %n'` (recorded from a real run).
    @Test("itemized lines: content differing at equal size and time is a mismatch; the rest are changes")
    func itemize() {
        var f = VerifyFindings()
        for line in ["*deleting   0 tmp/rs/src/home/u/old", ">fcst...... 28 tmp/rs/src/etc/conf", ".d..t...... 4096 tmp/rs/src/home/u/",
                     ">fc........ 6 tmp/rs/src/home/u/a", ">f+++++++++ 4 home/u/new file with spaces", ".f..t...... 4 home/u/touched",
                     "rsync: [sender] link_stat \"/nope\" failed: No such file or directory (2)", "Total transferred file size: 1,234 bytes"] {
            f.add(RsyncLine.parse(Substring(line)))
        }
        #expect(f.mismatched == ["tmp/rs/src/home/u/a"])
        #expect(f.changedSince == 2 && f.addedSince == 1 && f.deletedSince == 1)
        #expect(RsyncLine.parse("Total transferred file size: 1,234 bytes") == .stat(key: "Total transferred file size", value: 1234))
        #expect(RsyncLine.parse(">f+++++++++ 4 home/u/new file with spaces") == .item(flags: ">f+++++++++", length: 4, name: "home/u/new file with spaces"))
        // Hostile or broken lines are messages, never items.
        #expect(RsyncLine.parse(">fc........ x name") == .message(">fc........ x name"))
        #expect(RsyncLine.parse(">f") == .message(">f"))
        #expect(RsyncExit.isSuccess(0) && RsyncExit.isSuccess(24) && !RsyncExit.isSuccess(23) && !RsyncExit.isSuccess(255))
    }

    @Test("config: every problem named, nothing hostile accepted")
    func config() throws {
        let good = BackupConfig(source: "backup-reader@10.10.0.1", paths: ["/home", "/etc"], destination: "/srv/backup")
        #expect(good.problems().isEmpty)
        var bad = good
        bad.source = "-oProxyCommand=sh@x"
        bad.paths = ["/home/../root", "relative", "/home/a b", "/etc;reboot"]
        bad.destination = "/"
        bad.keepDaily = 0; bad.keepWeekly = 0; bad.keepMonthly = 0
        bad.ssh = "ssh\nrm -rf /"
        let problems = bad.problems()
        #expect(problems.contains { $0.hasPrefix("source must be ACCOUNT@HOST") })
        #expect(problems.filter { $0.hasPrefix("path '") }.count == 4)
        #expect(problems.contains("destination must not be /"))
        #expect(problems.contains("keeps no snapshot at all"))
        #expect(problems.contains("ssh must be a one-line command"))
        var colon = good
        colon.source = "backup-reader@host::module"
        #expect(colon.problems().contains { $0.hasPrefix("source must be ACCOUNT@HOST") }, "rsync would take :: for its daemon")
    }

    @Test("the sudo strings the spec needs are the ones rsync sends; validate says so when they are missing")
    func sudoStrings() throws {
        #expect(RsyncServerCommand.pull(paths: ["/home", "/etc"]) == "/usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc")
        let spec = ExampleSpec.text.replacingOccurrences(of: "      - /usr/bin/rsync --server --sender -nlHogDtpAXrcRe.iLsfxCIvu --numeric-ids . /home /etc\n", with: "")
        #expect(spec != ExampleSpec.text)
        let diags = SpecLoader.load(text: spec).diagnostics
        #expect(diags.contains { $0.severity == .warning && $0.message.contains("lacks the exact rsync commands") })
        let clean = SpecLoader.load(text: ExampleSpec.text).diagnostics
        #expect(!clean.contains { $0.message.contains("rsync") }, "\(clean.map(\.message))")
        let noAccount = ExampleSpec.text.replacingOccurrences(of: "  server: backup\n", with: "  server: backup\n  account: nobody-here\n")
        let d3 = SpecLoader.load(text: noAccount).diagnostics
        #expect(d3.contains { $0.severity == .error && $0.message.contains("backup.account 'nobody-here' is not among serviceAccounts") })
        // A path the sudoers line could not hold as it is: refused by validate, not at 01:30.
        let spaced = ExampleSpec.text.replacingOccurrences(of: "  paths: [/home, /etc]\n", with: "  paths: [/home, \"/srv/lab data\"]\n")
        #expect(spaced != ExampleSpec.text)
        #expect(SpecLoader.load(text: spaced).diagnostics.contains { $0.severity == .error && $0.message.contains("without '..', spaces or shell characters") })
    }
}
