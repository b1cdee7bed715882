import NodeReport
import Backup
import Foundation
import HostSystem
import Spec
import TestSupport
import Testing

/// `gpucluster backup` when things go wrong the way backups really fail, over a real sshd and
/// sudo: the source is a sshd in a network namespace the test makes (192.0.2.2, no route out),
/// the backup server's ssh runs in the other one. The sshd's own session process is killed
/// mid-transfer, the destination is a tmpfs that fills up, a snapshot's byte is flipped.
@Suite("backup under faults: real sshd and sudo in network namespaces", .serialized,
       .enabled(if: getuid() == 0 && Tools.find("sshd") != nil && Tools.find("rsync") != nil && Tools.find("sudo") != nil
                    && Tools.find("tc") != nil,
                "needs root, sshd, rsync, sudo and tc (scripts/test installs them; CI runs as root)"))
struct BackupFaultTests {
    /// The source host: sshd taking the backup server's key for root (whose `sudo -n rsync` is
    /// the real sudo), the data under `source`.
    final class Source: @unchecked Sendable {
        let dir: String
        let pair: NamespacePair
        let sshd: ChildProcess
        var source: String { dir + "/src" }
        var config: BackupConfig

        init() throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-backup-faults-\(UUID().uuidString.prefix(8))").path
            let fm = FileManager.default
            try fm.createDirectory(atPath: dir + "/src/home/alice", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: dir + "/src/etc", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: dir + "/backup", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
            try "chapter 1\n".write(toFile: dir + "/src/home/alice/ch1.tex", atomically: true, encoding: .utf8)
            try "Port 22\n".write(toFile: dir + "/src/etc/sshd.conf", atomically: true, encoding: .utf8)
            let keygen = try #require(Tools.find("ssh-keygen"))
            for key in ["host", "client"] {
                let k = try Tools.run(keygen, ["-q", "-t", "ed25519", "-N", "", "-f", "\(dir)/\(key)"])
                try #require(k.status == 0, "\(k.error)")
            }
            try fm.copyItem(atPath: dir + "/client.pub", toPath: dir + "/authorized_keys")
            pair = try NamespacePair()
            try """
                ListenAddress \(pair.targetAddress)
                HostKey \(dir)/host
                AuthorizedKeysFile \(dir)/authorized_keys
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                StrictModes no
                UsePAM no
                PidFile \(dir)/sshd.pid

                """.write(toFile: dir + "/sshd_config", atomically: true, encoding: .utf8)
            let sshdPath = try #require(Tools.find("sshd"))
            // `ip netns exec` execs sshd: the child is the listener, its children are sessions.
            sshd = try pair.spawn(in: pair.target, [sshdPath, "-D", "-e", "-f", dir + "/sshd_config"])
            let p = pair
            let up = (0..<100).contains { _ in
                if (try? p.run(in: p.scanner, ["/bin/bash", "-c", "exec 3<>/dev/tcp/\(p.targetAddress)/22"], timeout: 5))?.succeeded == true { return true }
                Thread.sleep(forTimeInterval: 0.1)
                return false
            }
            let ip = try #require(CommandRunner.which("ip"))
            let ssh = try #require(Tools.find("ssh"))
            config = BackupConfig(source: "root@\(pair.targetAddress)", paths: [dir + "/src/home", dir + "/src/etc"],
                                  destination: dir + "/backup", keepDaily: 7, keepWeekly: 4, keepMonthly: 12,
                                  statePath: dir + "/state/backup-state.json",
                                  ssh: "\(ip) netns exec \(pair.scanner) \(ssh) -i \(dir)/client -o BatchMode=yes -o StrictHostKeyChecking=no "
                                      + "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
                                  rsync: Tools.find("rsync") ?? "rsync")
            try #require(up, "sshd did not start")
        }

        func job(at time: Int) -> BackupJob { BackupJob(config: config, now: { time }) }
        func snapshotFile(_ s: SnapshotName, _ relative: String) -> String { "\(config.destination)/snapshots/\(s)\(source)/\(relative)" }
        func state() -> BackupStatus? { try? BackupStatus.read(path: config.statePath).get() }
        func latest() -> String? { try? FileManager.default.destinationOfSymbolicLink(atPath: config.destination + "/latest") }

        /// Random bytes (rsync cannot compress them away), `count` files of `size`.
        func addData(_ folder: String, count: Int, size: Int) throws {
            try FileManager.default.createDirectory(atPath: source + "/home/" + folder, withIntermediateDirectories: true)
            var g = SystemRandomNumberGenerator()
            for i in 0..<count {
                let bytes = (0..<(size / 8)).map { _ in g.next() as UInt64 }
                try bytes.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: "\(source)/home/\(folder)/part-\(i).bin"))
            }
        }

        /// The source side's link, slowed so that a transfer takes seconds (tc in our namespace).
        func throttle(_ on: Bool) throws {
            let links = try pair.run(in: pair.target, ["ip", "-o", "link", "show"]).stdout
            let dev = try #require(links.split(separator: "\n").compactMap { line -> String? in
                let name = line.split(separator: ":").dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) }
                return name.flatMap { $0 == "lo" ? nil : String($0.split(separator: "@")[0]) }
            }.first, "no veth in \(links)")
            let args = on ? ["tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", "24mbit", "burst", "32kbit", "latency", "400ms"]
                          : ["tc", "qdisc", "del", "dev", dev, "root"]
            let r = try pair.run(in: pair.target, args)
            try #require(r.succeeded, "tc: \(r.stderr)")
        }

        /// The connection cut: SIGKILL to the sshd processes serving sessions (every descendant
        /// of the listener named sshd), not to rsync, which then sees its connection gone.
        func killSessions() -> Int {
            var killed = 0
            var parents: Set<pid_t> = [sshd.pid]
            for _ in 0..<4 {
                for (pid, ppid, comm) in Self.processes() where parents.contains(ppid) && !parents.contains(pid) {
                    parents.insert(pid)
                    if comm == "sshd" { kill(pid, SIGKILL); killed += 1 }
                }
            }
            return killed
        }

        static func processes() -> [(pid_t, pid_t, String)] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name in
                guard let pid = pid_t(name), let stat = SmallFile.text("/proc/\(name)/stat", max: 4096),
                      let close = stat.lastIndex(of: ")"), let open = stat.firstIndex(of: "(") else { return nil }
                let comm = String(stat[stat.index(after: open)..<close])
                let rest = stat[stat.index(after: close)...].split(separator: " ")
                guard rest.count > 2, let ppid = pid_t(rest[1]) else { return nil }
                return (pid, ppid, comm)
            }
        }

        /// Bytes under a folder (what the interrupted run has written so far).
        static func bytes(under path: String) -> Int {
            guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
            var total = 0
            while let f = e.nextObject() as? String {
                var st = stat()
                if lstat(path + "/" + f, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int(st.st_size) }
            }
            return total
        }

        static func checksum(_ path: String) -> UInt64? {
            guard let d = FileManager.default.contents(atPath: path) else { return nil }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in d { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h
        }

        func stop() {
            sshd.stop()
            pair.remove()
        }
        deinit {
            stop()
            _ = try? Tools.run("/bin/umount", ["-l", dir + "/backup"])
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// A job on its own thread, so that the test can cut its connection while it runs.
    final class Running: @unchecked Sendable {
        /// A stop signal for a helper thread.
        final class Flag: @unchecked Sendable {
            private let lock = NSLock()
            private var on = true
            var isSet: Bool { lock.withLock { on } }
            func clear() { lock.withLock { on = false } }
        }

        private let done = DispatchSemaphore(value: 0)
        private var result: Result<BackupJob.RunResult, BackupError>?
        init(_ job: BackupJob) {
            Thread.detachNewThread { [self] in
                do throws(BackupError) { result = .success(try job.run()) } catch { result = .failure(error) }
                done.signal()
            }
        }
        func wait(seconds: Int) -> Result<BackupJob.RunResult, BackupError>? {
            done.wait(timeout: .now() + .seconds(seconds)) == .success ? result : nil
        }
    }

    @Test("the connection cut mid-transfer (sshd's session killed): no new snapshot, the previous intact, the failure in the state file and the agent's metric; the next run completes, reusing what had arrived")
    func connectionCut() throws {
        let s = try Source()
        defer { s.stop() }
        let t0 = 1_795_000_000
        let first = try s.job(at: t0).run()
        #expect(first.succeeded, "\(first.exitCode) \(first.message)")
        let good = try #require(first.snapshot)
        let goodFile = s.snapshotFile(good, "home/alice/ch1.tex")

        // 24 MB at 3 MB/s: about 8 s, cut once a few files are across.
        try s.addData("runs", count: 24, size: 1 << 20)
        let total = 24 << 20
        try s.throttle(true)
        let running = Running(s.job(at: t0 + 3600))
        let snapshots = s.config.destination + "/snapshots"
        var arrived = 0
        for _ in 0..<300 where arrived < 5 << 20 {
            Thread.sleep(forTimeInterval: 0.1)
            let partials = ((try? FileManager.default.contentsOfDirectory(atPath: snapshots)) ?? []).filter { $0.hasSuffix(".partial") }
            arrived = partials.map { Source.bytes(under: snapshots + "/" + $0) }.reduce(0, +)
        }
        #expect(arrived >= 5 << 20 && arrived < total, "the transfer never got going: \(arrived) bytes")
        let killed = s.killSessions()
        #expect(killed > 0, "no sshd session to kill")
        let cut = try #require(running.wait(seconds: 90), "the run did not end after its connection was cut").get()
        #expect(!cut.succeeded && cut.exitCode != 0 && cut.snapshot == nil && cut.message.contains("connection was lost"), "\(cut.exitCode) \(cut.message)")
        print("backup faults: connection cut after \(arrived) bytes: \(cut.message)")

        // Nothing promoted, the previous snapshot untouched, the failure recorded.
        #expect(BackupJob(config: s.config).list().snapshots.map(\.name) == [good])
        #expect(s.latest() == "snapshots/\(good)")
        #expect(try String(contentsOfFile: goodFile, encoding: .utf8) == "chapter 1\n")
        #expect(!FileManager.default.fileExists(atPath: s.snapshotFile(good, "home/runs")))
        let st = try #require(s.state())
        #expect(st.lastSuccess == Double(t0) && st.exitCode == Int(cut.exitCode) && st.lastRunEnd == Double(t0 + 3600), "\(st)")
        let metrics = try Tools.run(Binary.gpucluster, ["agent", "--once", "--smartctl", "", "--nvml", "/nonexistent/libnvidia-ml.so.1",
                                                        "--nvidia-smi", "/nonexistent/nvidia-smi", "--backup-state", s.config.statePath])
        #expect(metrics.output.contains("gpucluster_backup_last_exit_code \(cut.exitCode)")
                && metrics.output.contains("gpucluster_backup_last_success_timestamp_seconds \(t0)"),
                "\(metrics.output.split(separator: "\n").filter { $0.contains("backup") })")

        // The next run finishes, and what had arrived is not sent again.
        try s.throttle(false)
        let next = try s.job(at: t0 + 7200).run()
        #expect(next.succeeded, "\(next.exitCode) \(next.message)")
        let done = try #require(next.snapshot)
        let sent = try #require(next.bytesTransferred)
        #expect(sent <= total - (4 << 20), "sent \(sent) of \(total) bytes again after \(arrived) had arrived")
        for i in 0..<24 {
            let name = "home/runs/part-\(i).bin"
            #expect(Source.checksum(s.snapshotFile(done, name)) == Source.checksum("\(s.source)/\(name)"), "\(name) differs")
        }
        #expect(s.latest() == "snapshots/\(done)" && BackupJob(config: s.config).list().partials.isEmpty)
        #expect(s.state()?.lastSuccess == Double(t0 + 7200) && s.state()?.exitCode == 0)
    }

    @Test("a file written to while the run copies it: the run succeeds and warns naming that file (and no other), in its result and the state file; the next run copies it again")
    func changedWhileCopied() throws {
        let s = try Source()
        defer { s.stop() }
        let t0 = 1_795_000_000
        _ = try #require(try s.job(at: t0).run().snapshot)
        try s.addData("runs", count: 8, size: 1 << 20)
        let log = s.source + "/home/alice/train.log"
        try "epoch 0\n".write(toFile: log, atomically: true, encoding: .utf8)
        try s.throttle(true)
        // A training job's log, appended to every 50 ms for as long as the run lasts (at most 60 s).
        let writing = Running.Flag()
        Thread.detachNewThread {
            guard let h = FileHandle(forWritingAtPath: log) else { return }
            var epoch = 1
            while writing.isSet, epoch < 1200 {
                h.seekToEndOfFile(); h.write(Data("epoch \(epoch)\n".utf8)); epoch += 1
                Thread.sleep(forTimeInterval: 0.05)
            }
            try? h.close()
        }
        let result = try #require(Running(s.job(at: t0 + 3600)).wait(seconds: 120), "the run did not end").get()
        writing.clear()
        try s.throttle(false)
        #expect(result.succeeded && result.snapshot != nil, "\(result.exitCode) \(result.message)")
        let name = String((s.source + "/home/alice/train.log").dropFirst())
        #expect(result.changedDuringRun == [name], "\(result.changedDuringRun)")
        #expect(result.message.contains("WARNING: 1 file(s) changed while being copied") && result.message.contains(name), "\(result.message)")
        #expect(s.state()?.message?.contains(name) == true, "\(String(describing: s.state()?.message))")
        print("backup faults: changed while copied: \(result.message)")
        // Left alone, the next run copies it again and has nothing to warn about.
        Thread.sleep(forTimeInterval: 1.1)
        let next = try s.job(at: t0 + 7200).run()
        #expect(next.succeeded && next.changedDuringRun.isEmpty && !next.message.contains("WARNING"), "\(next.message)")
        let copy = try String(contentsOfFile: s.snapshotFile(try #require(next.snapshot), "home/alice/train.log"), encoding: .utf8)
        #expect(copy == (try String(contentsOfFile: log, encoding: .utf8)))
    }

    @Test("the newest snapshot damaged (a file deleted, one truncated with its time kept, one byte flipped, `latest` gone): the next run completes, the deleted and truncated files come back, the older snapshot is untouched, and verify names the flipped file, which the new snapshot shares by hard link")
    func newestSnapshotDamaged() throws {
        let s = try Source()
        defer { s.stop() }
        let t0 = 1_795_000_000
        try s.addData("runs", count: 4, size: 256 << 10)
        let older = try #require(try s.job(at: t0).run().snapshot)
        // Parts 1 and 2 change before the next snapshot: their copies there are its own inodes,
        // so damaging them cannot reach the older snapshot through a hard link.
        for i in [1, 2] {
            let path = "\(s.source)/home/runs/part-\(i).bin"
            try Data(repeating: UInt8(i), count: 256 << 10).write(to: URL(fileURLWithPath: path))
            // A minute later: a rewrite within the same second could look unchanged to rsync.
            var later = [timespec(tv_sec: time(nil) + 60, tv_nsec: 0), timespec(tv_sec: time(nil) + 60, tv_nsec: 0)]
            try #require(utimensat(AT_FDCWD, path, &later, 0) == 0)
        }
        let olderSums = (0..<4).map { Source.checksum(s.snapshotFile(older, "home/runs/part-\($0).bin")) }
        let newest = try #require(try s.job(at: t0 + 86_400).run().snapshot)
        try FileManager.default.removeItem(atPath: s.snapshotFile(newest, "home/runs/part-0.bin"))
        let truncated = s.snapshotFile(newest, "home/runs/part-1.bin")
        var st = stat()
        try #require(stat(truncated, &st) == 0 && truncate(truncated, 1000) == 0)
        var times = [st.st_atim, st.st_mtim]
        try #require(utimensat(AT_FDCWD, truncated, &times, 0) == 0)
        try BackupSampleTests.flip(s.snapshotFile(newest, "home/runs/part-2.bin"))
        try FileManager.default.removeItem(atPath: s.config.destination + "/latest")

        let next = try s.job(at: t0 + 2 * 86_400).run()
        let done = try #require(next.snapshot, "\(next.exitCode) \(next.message)")
        #expect(next.succeeded && s.latest() == "snapshots/\(done)")
        for i in [0, 1, 3] {
            let name = "home/runs/part-\(i).bin"
            #expect(Source.checksum(s.snapshotFile(done, name)) == Source.checksum("\(s.source)/\(name)"), "\(name) did not come back")
        }
        #expect((0..<4).map { Source.checksum(s.snapshotFile(older, "home/runs/part-\($0).bin")) } == olderSums, "the older snapshot changed")
        // Same size and time: rsync links it from the damaged snapshot. Verification is what finds it.
        let v = try s.job(at: t0 + 2 * 86_400 + 60).verify()
        #expect(!v.ok && v.findings.mismatched == ["\(s.source.dropFirst())/home/runs/part-2.bin"], "\(v.findings)")
    }

    @Test("a destination that fills up (a small tmpfs): the failure reported, the older snapshots intact, nothing half-promoted; room made, the next run completes")
    func destinationFull() throws {
        let s = try Source()
        defer { s.stop() }
        let mount = try Tools.run("/bin/mount", ["-t", "tmpfs", "-o", "size=12m", "tmpfs", s.config.destination])
        try #require(mount.status == 0, "mount tmpfs: \(mount.error)")
        let t0 = 1_795_000_000
        try s.addData("small", count: 2, size: 1 << 20)
        let first = try s.job(at: t0).run()
        let good = try #require(first.snapshot, "\(first.exitCode) \(first.message)")

        try s.addData("big", count: 16, size: 1 << 20)
        let full = try s.job(at: t0 + 3600).run()
        #expect(!full.succeeded && full.snapshot == nil && full.exitCode != 0, "\(full.exitCode) \(full.message)")
        #expect(full.message.lowercased().contains("no space left"), "the message should say why: \(full.message)")
        print("backup faults: destination full: \(full.message)")
        #expect(BackupJob(config: s.config).list().snapshots.map(\.name) == [good] && s.latest() == "snapshots/\(good)")
        for i in 0..<2 {
            let name = "home/small/part-\(i).bin"
            #expect(Source.checksum(s.snapshotFile(good, name)) == Source.checksum("\(s.source)/\(name)"), "\(name) in the older snapshot changed")
        }
        #expect(s.state()?.exitCode == Int(full.exitCode) && s.state()?.lastSuccess == Double(t0))

        // Room made (the admin grows the disk): the next run completes.
        let grow = try Tools.run("/bin/mount", ["-o", "remount,size=64m", s.config.destination])
        try #require(grow.status == 0, "remount: \(grow.error)")
        // (The next day: retention would fold two snapshots of one day into one.)
        let next = try s.job(at: t0 + 86_400).run()
        let done = try #require(next.snapshot, "\(next.exitCode) \(next.message)")
        #expect(Source.checksum(s.snapshotFile(done, "home/big/part-15.bin")) == Source.checksum("\(s.source)/home/big/part-15.bin"))
        #expect(BackupJob(config: s.config).list().snapshots.map(\.name) == [done, good])
    }

    @Test("one byte flipped in the newest snapshot, size and time kept: verify over sshd names exactly that file, and so does --sample 1/3 when its slice comes round")
    func flippedByte() throws {
        let s = try Source()
        defer { s.stop() }
        try s.addData("runs", count: 4, size: 64 << 10)
        let snap = try #require(try s.job(at: 1_795_000_000).run().snapshot)
        let victim = s.snapshotFile(snap, "home/runs/part-2.bin")
        try BackupSampleTests.flip(victim)
        let v = try s.job(at: 1_795_000_100).verify()
        #expect(!v.ok && v.findings.mismatched == ["\(s.source.dropFirst())/home/runs/part-2.bin"], "\(v.findings)")
        // A rotating sample names it when its slice comes round, and only then.
        var named: [Int: [String]] = [:]
        for run in 0..<3 {
            let sampled = try s.job(at: 1_795_000_200 + run).verify(slices: 3)
            #expect(sampled.exitCode == 0 && sampled.sample?.index == run, "\(sampled.message)")
            if !sampled.findings.mismatched.isEmpty { named[run] = sampled.findings.mismatched }
        }
        #expect(named.count == 1 && named.values.first == ["\(s.source.dropFirst())/home/runs/part-2.bin"], "\(named)")
    }
}
