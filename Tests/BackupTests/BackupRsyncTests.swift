import NodeReport
import Agent
import Backup
import Foundation
import Spec
import TestSupport
import Testing

/// `gpucluster backup` with the real rsync (Debian package). The only stand-in is the remote
/// shell: a script that, like sshd + sudo with the spec's exact sudoers lines, runs the remote
/// command only when it is one of the three allowed strings, and records it. The lab's
/// end-to-end test does the same over real ssh and sudo between containers.
@Suite("backup: real rsync, snapshots, verification, failures", .serialized)
struct BackupRsyncTests {
    final class Fixture {
        let dir: String
        let source: String
        let config: BackupConfig
        let log: String

        /// `afterPull`: shell run on the "source" right after a pull's rsync ends (a file
        /// written just after rsync read it, deterministically).
        init(afterPull: String = "") throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-backup-\(UUID().uuidString.prefix(8))").path
            source = dir + "/src"
            log = dir + "/remote-commands.log"
            let fm = FileManager.default
            try fm.createDirectory(atPath: source + "/home/alice/thesis", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: source + "/etc", withIntermediateDirectories: true)
            try "chapter 1\n".write(toFile: source + "/home/alice/thesis/ch1.tex", atomically: true, encoding: .utf8)
            try Data(repeating: 7, count: 200_000).write(to: URL(fileURLWithPath: source + "/home/alice/data.bin"))
            try "Port 22\n".write(toFile: source + "/etc/sshd.conf", atomically: true, encoding: .utf8)
            let paths = [source + "/home", source + "/etc"]
            let allowed = RsyncServerCommand.all(paths: paths)
            // ssh [options] HOST COMMAND…: the remote side gets the words joined, as sshd does.
            let shell = """
            #!/bin/sh
            while [ $# -gt 0 ]; do case "$1" in -l|-i|-o|-p) shift 2;; -*) shift;; *) break;; esac; done
            shift
            cmd="$*"
            SRC='\(source)'
            printf '%s\\n' "$cmd" >> '\(log)'
            case "$cmd" in
              'sudo -n \(allowed[0])') sh -c "${cmd#sudo -n }"; rc=$?; \(afterPull) exit $rc ;;
              'sudo -n \(allowed[1])'|'sudo -n \(allowed[2])') exec sh -c "${cmd#sudo -n }" ;;
              *) echo "sudo: a password is required" >&2; exit 1 ;;
            esac
            """
            try shell.write(toFile: dir + "/remote-shell", atomically: true, encoding: .utf8)
            chmod(dir + "/remote-shell", 0o755)
            config = BackupConfig(source: "backup-reader@10.10.0.1", paths: paths, destination: dir + "/backup",
                                  keepDaily: 7, keepWeekly: 4, keepMonthly: 12, statePath: dir + "/state/backup-state.json",
                                  ssh: dir + "/remote-shell", rsync: Tools.find("rsync") ?? "rsync")
        }

        func job(at time: Int) -> BackupJob { BackupJob(config: config, now: { time }) }
        func snapshotFile(_ s: SnapshotName, _ relative: String) -> String { "\(config.destination)/snapshots/\(s)\(source)/\(relative)" }
        func inode(_ p: String) -> UInt64? { var st = stat(); return lstat(p, &st) == 0 ? UInt64(st.st_ino) : nil }
        func state() -> BackupStatus? { try? BackupStatus.read(path: config.statePath).get() }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
    }

    static var noRsync: String? { Tools.find("rsync") == nil ? "rsync is not installed (scripts/test installs it)" : nil }

    @Test("two runs: hard-linked snapshots, exact remote commands, state the agent reads, verify ok")
    func runTwiceAndVerify() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        let t0 = 1_795_000_000
        let first = try f.job(at: t0).run()
        #expect(first.succeeded && first.exitCode == 0, "\(first.message)")
        let s1 = try #require(first.snapshot)
        #expect(try String(contentsOfFile: f.snapshotFile(s1, "home/alice/thesis/ch1.tex"), encoding: .utf8) == "chapter 1\n")
        #expect(first.bytesTransferred == 200_000 + 10 + 8)
        // Exactly the sudoers line, nothing else, went to the source.
        let pull = RsyncServerCommand.pull(paths: f.config.paths)
        #expect(try String(contentsOfFile: f.log, encoding: .utf8) == "sudo -n \(pull)\n")

        try "chapter 1, revised\n".write(toFile: f.source + "/home/alice/thesis/ch1.tex", atomically: true, encoding: .utf8)
        let second = try f.job(at: t0 + 86_400).run()
        let s2 = try #require(second.snapshot)
        #expect(second.succeeded && second.bytesTransferred == 19)
        // The copied file was re-checked with the third sudoers line; it had not moved.
        let recheck = RsyncServerCommand.recheck(paths: f.config.paths)
        #expect(try String(contentsOfFile: f.log, encoding: .utf8).split(separator: "\n").last.map(String.init) == "sudo -n \(recheck)")
        #expect(second.recheckedFiles == 1 && second.changedDuringRun.isEmpty && !second.message.contains("WARNING"), "\(second.message)")
        // Unchanged files are the same inode in both snapshots (hard links), changed ones are not.
        #expect(f.inode(f.snapshotFile(s1, "home/alice/data.bin")) == f.inode(f.snapshotFile(s2, "home/alice/data.bin")))
        #expect(f.inode(f.snapshotFile(s1, "home/alice/thesis/ch1.tex")) != f.inode(f.snapshotFile(s2, "home/alice/thesis/ch1.tex")))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.config.destination + "/latest") == "snapshots/\(s2)")

        let state = try #require(f.state(), "the agent cannot read the state file")
        #expect(state.lastSuccess == Double(t0 + 86_400) && state.exitCode == 0 && state.snapshots == 2)

        let v = try f.job(at: t0 + 86_500).verify()
        #expect(v.ok && v.snapshot == s2 && v.findings.mismatched.isEmpty, "\(v.findings) \(v.message)")
        let verify = RsyncServerCommand.verify(paths: f.config.paths)
        #expect(try String(contentsOfFile: f.log, encoding: .utf8).split(separator: "\n").last.map(String.init) == "sudo -n \(verify)")
        #expect(f.state()?.verifyOK == true && f.state()?.verifyMismatches == 0 && f.state()?.lastVerify == Double(t0 + 86_500))

        // The agent turns that file into metrics.
        let metrics = try Tools.run(Binary.gpucluster, ["agent", "--once", "--smartctl", "", "--nvml", "/nonexistent/libnvidia-ml.so.1",
                                                        "--nvidia-smi", "/nonexistent/nvidia-smi", "--backup-state", f.config.statePath])
        #expect(metrics.output.contains("gpucluster_backup_last_success_timestamp_seconds \(t0 + 86_400)"), "\(metrics.output.suffix(2000))")
        #expect(metrics.output.contains("gpucluster_backup_verify_ok 1"))
    }

    @Test("a copied file rewritten just after rsync read it (same size, same second, other nanoseconds) is named by the re-check; a file beside it that moved but was not copied is not")
    func changedJustAfterCopy() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let dir = FileManager.default.temporaryDirectory.path + "/gpucluster-recheck-arm-\(UUID().uuidString.prefix(8))"
        // Armed for one pull: the copied chapter gets new bytes of the same length and a time in
        // the same second; the notes beside it (unchanged before the run, so not copied) change too.
        let f = try Fixture(afterPull: """
        if [ -f '\(dir)' ]; then rm -f '\(dir)'; t=$(date -r "$SRC/home/alice/thesis/ch1.tex" '+%Y-%m-%d %H:%M:%S');
          printf 'chapter 2, revised\\n' > "$SRC/home/alice/thesis/ch1.tex"; touch -d "$t.123456789" "$SRC/home/alice/thesis/ch1.tex";
          echo moved >> "$SRC/home/alice/thesis/notes.txt"; fi;
        """)
        try "notes\n".write(toFile: f.source + "/home/alice/thesis/notes.txt", atomically: true, encoding: .utf8)
        let t0 = 1_795_000_000
        _ = try #require(try f.job(at: t0).run().snapshot)
        try "chapter 1, revised\n".write(toFile: f.source + "/home/alice/thesis/ch1.tex", atomically: true, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: dir))
        let run = try f.job(at: t0 + 3600).run()
        #expect(!FileManager.default.fileExists(atPath: dir), "the hook did not run")
        let chapter = String((f.source + "/home/alice/thesis/ch1.tex").dropFirst())
        #expect(run.succeeded && run.changedDuringRun == [chapter], "\(run.changedDuringRun) \(run.message)")
        #expect(run.recheckedFiles == 1 && run.message.contains("WARNING: 1 file(s) changed while being copied"), "\(run.message)")
        // The snapshot holds what rsync read; the next run copies the new version.
        let next = try f.job(at: t0 + 7200).run()
        let s = try #require(next.snapshot)
        #expect(try String(contentsOfFile: f.snapshotFile(s, "home/alice/thesis/ch1.tex"), encoding: .utf8) == "chapter 2, revised\n")
        #expect(next.changedDuringRun.isEmpty, "\(next.message)")
    }

    /// docs/DESIGN.md: `rsync -n -c` exits 0 even when it finds a corrupted file. The verdict must
    /// come from its itemized output.
    @Test("a silently corrupted copy (same size and time) fails verification although rsync exits 0")
    func corruptionFound() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        let s = try #require(try f.job(at: 1_795_000_000).run().snapshot)
        let copy = f.snapshotFile(s, "home/alice/data.bin")
        var st = stat()
        #expect(stat(copy, &st) == 0)
        // Flip one byte in place, then put the time back: what bit rot looks like.
        let fh = try #require(FileHandle(forUpdatingAtPath: copy))
        try fh.seek(toOffset: 100_000); fh.write(Data([8])); try fh.close()
        var times = [timespec(tv_sec: st.st_atim.tv_sec, tv_nsec: st.st_atim.tv_nsec), timespec(tv_sec: st.st_mtim.tv_sec, tv_nsec: st.st_mtim.tv_nsec)]
        #expect(utimensat(AT_FDCWD, copy, &times, 0) == 0)
        // A truncated copy whose time was kept: also a mismatch.
        let chapter = f.snapshotFile(s, "home/alice/thesis/ch1.tex")
        var cst = stat()
        #expect(stat(chapter, &cst) == 0)
        #expect(truncate(chapter, 3) == 0)
        var ctimes = [timespec(tv_sec: cst.st_atim.tv_sec, tv_nsec: cst.st_atim.tv_nsec), timespec(tv_sec: cst.st_mtim.tv_sec, tv_nsec: cst.st_mtim.tv_nsec)]
        #expect(utimensat(AT_FDCWD, chapter, &ctimes, 0) == 0)
        // A file changed on the source since (size and time differ) is not a failure.
        try "Port 2222\n".write(toFile: f.source + "/etc/sshd.conf", atomically: true, encoding: .utf8)
        // (A minute later: a change within the same second could keep the same time.)
        var later = [timespec(tv_sec: cst.st_mtim.tv_sec + 60, tv_nsec: 0), timespec(tv_sec: cst.st_mtim.tv_sec + 60, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, f.source + "/etc/sshd.conf", &later, 0) == 0)

        let v = try f.job(at: 1_795_000_100).verify()
        #expect(v.exitCode == 0, "rsync itself says nothing is wrong")
        #expect(!v.ok)
        #expect(v.findings.mismatched.sorted() == [String((f.source + "/home/alice/data.bin").dropFirst()),
                                                   String((f.source + "/home/alice/thesis/ch1.tex").dropFirst())])
        #expect(v.findings.changedSince == 1)
        #expect(f.state()?.verifyOK == false && f.state()?.verifyMismatches == 2)

        // The command says so, with exit 2 and the file's name.
        let configPath = f.dir + "/backup.json"
        try JSONEncoder().encode(f.config).write(to: URL(fileURLWithPath: configPath))
        let cli = try Tools.run(Binary.gpucluster, ["backup", "verify", "--config", configPath])
        #expect(cli.status == 2, "\(cli.output) \(cli.error)")
        #expect(cli.output.contains("DIFFERS  \(String((f.source + "/home/alice/data.bin").dropFirst()))"))
        #expect(cli.error.contains("FAILED: 2 file(s) differ"))
    }

    @Test("failures are failures: a missing path (rsync 23) and a refused command keep the last good snapshot")
    func failures() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        let t0 = 1_795_000_000
        let good = try #require(try f.job(at: t0).run().snapshot)
        // A path that vanished on the source: rsync exits 23, which rsnapshot would log as a warning.
        try FileManager.default.removeItem(atPath: f.source + "/etc")
        let partial = try f.job(at: t0 + 3600).run()
        #expect(!partial.succeeded && partial.exitCode == 23, "\(partial.exitCode) \(partial.message)")
        #expect(partial.message.contains("partial transfer") && partial.message.contains("No such file or directory"), "\(partial.message)")
        let st = try #require(f.state())
        #expect(st.lastSuccess == Double(t0) && st.exitCode == 23 && st.lastRunEnd == Double(t0 + 3600))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: f.config.destination + "/latest") == "snapshots/\(good)")
        #expect(BackupJob(config: f.config).list().partials.count == 1)

        // A command the source's sudoers does not list (other paths): refused there, exit 12.
        var other = f.config
        other.paths = [f.source + "/home"]
        let refused = try BackupJob(config: other, now: { t0 + 7200 }).run()
        #expect(!refused.succeeded && refused.exitCode == 12, "\(refused.exitCode) \(refused.message)")
        #expect(refused.message.contains("a password is required"), "\(refused.message)")

        // Back to normal: the next run continues the partial copy and succeeds.
        try FileManager.default.createDirectory(atPath: f.source + "/etc", withIntermediateDirectories: true)
        let ok = try f.job(at: t0 + 10_800).run()
        #expect(ok.succeeded)
        #expect(BackupJob(config: f.config).list().partials.isEmpty)
        #expect(f.state()?.lastSuccess == Double(t0 + 10_800))
    }

    /// Both timers are Persistent=: after a boot a run and a verification can start together.
    @Test("a run waits for the lock another holds, says so, then runs")
    func waitsForTheLock() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        try FileManager.default.createDirectory(atPath: f.config.destination, withIntermediateDirectories: true)
        // Close-on-exec: a child another test spawns meanwhile must not inherit (and hold) the lock.
        let fd = open(f.config.destination + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0 && flock(fd, LOCK_EX) == 0)
        final class Outcome: @unchecked Sendable {
            let lock = NSLock()
            var waited = false
            var succeeded: Bool?
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let config = f.config
        Thread.detachNewThread {
            let job = BackupJob(config: config, now: { 1_795_000_000 }, waiting: { outcome.lock.withLock { outcome.waited = true } })
            let ok = (try? job.run())?.succeeded ?? false
            outcome.lock.withLock { outcome.succeeded = ok }
            done.signal()
        }
        var waited = false
        for _ in 0..<100 where !waited {
            Thread.sleep(forTimeInterval: 0.05)
            waited = outcome.lock.withLock { outcome.waited }
        }
        #expect(waited, "the run did not report that it waits")
        #expect(outcome.lock.withLock { outcome.succeeded } == nil, "the run went ahead without the lock")
        close(fd)
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(outcome.lock.withLock { outcome.succeeded } == true)
    }

    @Test("retention removes old snapshots and nothing else in the folder")
    func pruning() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        let t0 = 1_795_000_000
        _ = try f.job(at: t0).run()
        let snapshots = f.config.destination + "/snapshots"
        // 30 older daily snapshots (empty folders do), plus things that are not snapshots.
        for d in 1...30 { try FileManager.default.createDirectory(atPath: "\(snapshots)/\(SnapshotName(time: t0 - d * 86_400))", withIntermediateDirectories: true) }
        for stray in ["notes.txt", "2026-02-31T000000Z", "evil; rm -rf"] {
            try "keep me".write(toFile: "\(snapshots)/\(stray)", atomically: true, encoding: .utf8)
        }
        // What an interrupted deletion leaves: gone at the next run, never taken for a snapshot.
        let interrupted = "\(snapshots)/\(SnapshotName(time: t0 - 90 * 86_400)).deleting"
        try FileManager.default.createDirectory(atPath: interrupted + "/home", withIntermediateDirectories: true)
        #expect(!BackupJob(config: f.config).list().snapshots.contains { $0.name == SnapshotName(time: t0 - 90 * 86_400) })
        var cfg = f.config
        cfg.keepDaily = 3; cfg.keepWeekly = 0; cfg.keepMonthly = 0
        let r = try BackupJob(config: cfg, now: { t0 + 86_400 }).run()
        #expect(r.succeeded && r.snapshotsKept == 3 && r.pruned.count == 29)
        #expect(!FileManager.default.fileExists(atPath: interrupted))
        for stray in ["notes.txt", "2026-02-31T000000Z", "evil; rm -rf"] {
            #expect(FileManager.default.fileExists(atPath: "\(snapshots)/\(stray)"), "\(stray) was removed")
        }
    }

    @Test("restore into a new folder; refuses unknown snapshots, paths outside the backup, / and non-empty targets (unless --force: same names replaced, nothing deleted)")
    func restore() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        let f = try Fixture()
        let s = try #require(try f.job(at: 1_795_000_000).run().snapshot)
        let job = BackupJob(config: f.config)
        let target = f.dir + "/restored"
        #expect(try job.restore(snapshot: "\(s)", path: f.source + "/home/alice/thesis", to: target) == 0)
        #expect(try String(contentsOfFile: target + f.source + "/home/alice/thesis/ch1.tex", encoding: .utf8) == "chapter 1\n")
        #expect(!FileManager.default.fileExists(atPath: target + f.source + "/home/alice/data.bin"))

        func refused(_ snapshot: String, _ path: String, _ to: String, _ why: String) {
            do {
                _ = try job.restore(snapshot: snapshot, path: path, to: to)
                Issue.record("restore \(snapshot) \(path) → \(to) was not refused")
            } catch {
                #expect(error.description.contains(why), "\(error.description)")
            }
        }
        refused("../../etc", f.source + "/home", f.dir + "/r2", "no snapshot named")
        refused("latest", "/etc/shadow", f.dir + "/r2", "not under a backed-up path")
        refused("latest", f.source + "/home/../../../etc", f.dir + "/r2", "not under a backed-up path")
        refused("latest", f.source + "/home/alice", target, "is not empty")
        refused("latest", f.source + "/home/alice", target, "--force to write into it")
        // --force: into a folder with files; the restored one replaced, the others kept. Never `/`.
        try "a local edit\n".write(toFile: target + f.source + "/home/alice/thesis/ch1.tex", atomically: true, encoding: .utf8)
        try "keep me\n".write(toFile: target + "/keep.txt", atomically: true, encoding: .utf8)
        #expect(try job.restore(snapshot: "latest", path: f.source + "/home/alice/thesis", to: target, force: true) == 0)
        #expect(try String(contentsOfFile: target + f.source + "/home/alice/thesis/ch1.tex", encoding: .utf8) == "chapter 1\n")
        #expect(try String(contentsOfFile: target + "/keep.txt", encoding: .utf8) == "keep me\n")
        do {
            _ = try job.restore(snapshot: "latest", path: f.source + "/home/alice", to: "/", force: true)
            Issue.record("a restore onto / was not refused")
        } catch {
            #expect(error.description.contains("cannot be /"), "\(error.description)")
        }
        refused("latest", f.source + "/home/alice", f.config.destination + "/x", "outside")
        refused("latest", f.source + "/home/nobody", f.dir + "/r3", "is not in snapshot")

        // A user's symlink in the snapshot must not lead restore into this server's own files.
        try FileManager.default.createDirectory(atPath: f.dir + "/server-secret", withIntermediateDirectories: true)
        try "private key".write(toFile: f.dir + "/server-secret/id", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: f.source + "/home/alice/x", withDestinationPath: f.dir + "/server-secret")
        _ = try f.job(at: 1_795_086_400).run()
        refused("latest", f.source + "/home/alice/x/id", f.dir + "/r4", "is a symlink or file in snapshot")
        #expect(!FileManager.default.fileExists(atPath: f.dir + "/r4" + f.source + "/home/alice/x/id"))
    }

    @Test("restore round trip: ownership, modes, ACLs, extended attributes and hard links come back as they were (-aHAX)")
    func restoreKeepsEverything() throws {
        if let why = Self.noRsync { print("backup rsync tests: SKIPPED: \(why)"); return }
        guard getuid() == 0 else { print("backup restore round trip: SKIPPED: needs root (it sets owners)"); return }
        guard let setfacl = Tools.find("setfacl"), let getfacl = Tools.find("getfacl") else {
            print("backup restore round trip: SKIPPED: no setfacl/getfacl (scripts/test installs acl)"); return
        }
        let f = try Fixture()
        let home = f.source + "/home/alice"
        try "shared\n".write(toFile: home + "/shared.txt", atomically: false, encoding: .utf8)
        chown(home + "/shared.txt", 65534, 65534)
        chmod(home + "/shared.txt", 0o640)
        #expect(link(home + "/shared.txt", home + "/shared-link.txt") == 0)
        try "#!/bin/sh\n".write(toFile: home + "/run.sh", atomically: false, encoding: .utf8)
        chmod(home + "/run.sh", 0o4750)
        chown(home + "/thesis", 2001, 3001)
        for args in [["-m", "u:nobody:rw,g:nogroup:r", home + "/thesis/ch1.tex"], ["-d", "-m", "u:nobody:rx", home + "/thesis"]] {
            let r = try Tools.run(setfacl, args)
            #expect(r.status == 0, "setfacl \(args): \(r.error)")
        }
        let python = try #require(Tools.find("python3"))
        let xattr = try Tools.run(python, ["-c", "import os, sys; os.setxattr(sys.argv[1], 'user.origin', b'camera-7')", home + "/data.bin"])
        #expect(xattr.status == 0, "this file system takes no user xattrs: \(xattr.error)")

        let s = try #require(try f.job(at: 1_795_000_000).run().snapshot)
        #expect(f.inode(f.snapshotFile(s, "home/alice/shared.txt")) == f.inode(f.snapshotFile(s, "home/alice/shared-link.txt")),
                "the snapshot must keep the hard link")
        let target = f.dir + "/restored"
        #expect(try BackupJob(config: f.config).restore(snapshot: "\(s)", path: home, to: target) == 0)
        let restored = target + home

        func described(_ path: String) throws -> String {
            var st = stat()
            guard lstat(path, &st) == 0 else { return "missing" }
            let content = (st.st_mode & S_IFMT) == S_IFREG ? (FileManager.default.contents(atPath: path).map { d in
                // FNV-1a over every byte: equal checksums, equal contents.
                String(d.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }, radix: 16)
            } ?? "?") : "dir"
            let acl = try Tools.run(getfacl, ["-c", "-p", path]).output
            let xattr = try Tools.run(python, ["-c", "import os, sys; print(os.listxattr(sys.argv[1], follow_symlinks=False), "
                                               + "os.getxattr(sys.argv[1], 'user.origin') if 'user.origin' in os.listxattr(sys.argv[1]) else '-')", path]).output
            return "mode \(String(st.st_mode & 0o7777, radix: 8)) owner \(st.st_uid):\(st.st_gid) links \(st.st_nlink) size \(st.st_size) "
                + "mtime \(st.st_mtim.tv_sec) content \(content) xattr \(xattr) acl \(acl)"
        }
        for rel in [".", "shared.txt", "shared-link.txt", "run.sh", "thesis", "thesis/ch1.tex", "data.bin"] {
            let before = try described(home + "/" + rel), after = try described(restored + "/" + rel)
            #expect(before == after, "\(rel):\n  source   \(before)\n  restored \(after)")
        }
        #expect(try described(restored + "/data.bin").contains("b'camera-7'"))
        #expect(try described(restored + "/thesis/ch1.tex").contains("user:nobody:rw-"))
        #expect(f.inode(restored + "/shared.txt") == f.inode(restored + "/shared-link.txt"), "restore must keep the hard link")
    }

    @Test("bad config files: a clear message, exit 1, nothing created")
    func badConfigs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-backup-bad-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, Data, String)] = [
            ("missing", Data(), "no such file"),
            ("garbage.json", Data("{not json".utf8), "not valid JSON"),
            ("huge.json", Data(repeating: 32, count: 70_000), "larger than 64 KiB"),
            ("partial.json", Data(#"{"source": "a@b"}"#.utf8), "missing \""),
            ("hostile.json", Data(#"{"source": "a@b", "paths": ["/home/../root"], "destination": "/tmp/x\u001b[31m", "keepDaily": 1, "keepWeekly": 0, "keepMonthly": 0, "statePath": "/tmp/s", "ssh": "ssh", "remoteRsync": "sudo -n /usr/bin/rsync", "rsync": "rsync"}"#.utf8), "must be absolute"),
        ]
        for (name, data, message) in cases {
            let path = "\(dir)/\(name)"
            if name != "missing" { try data.write(to: URL(fileURLWithPath: path)) }
            for sub in ["run", "verify", "list"] {
                let r = try Tools.run(Binary.gpucluster, ["backup", sub, "--config", path])
                #expect(r.status == 1, "\(name) \(sub): \(r.status)")
                #expect(r.error.contains(message), "\(name) \(sub): \(r.error)")
                #expect(!r.error.contains("\u{1b}"), "escape sequence printed")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/x"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["garbage.json", "hostile.json", "huge.json", "partial.json"])
    }
}
