import Backup
import Foundation
import NodeReport
import Spec
import TestSupport
import Testing

/// `backup verify --sample 1/N` with the real rsync: one slice of the snapshot's folders per
/// run, through exactly the verification command the source's sudoers allows.
@Suite("backup: rotating sample verification", .serialized)
struct BackupSampleTests {
    /// Folder names rsync's patterns would misread, one with a newline, one not UTF-8.
    static let folders: [[UInt8]] = ["plain", "star*", "q?mark", "br[a]cket", "back\\slash", "new\nline", "sp ace", ".hidden"]
        .map { Array($0.utf8) } + [[0x62, 0xFF, 0x66]]

    static func makeFolders(_ f: BackupRsyncTests.Fixture) throws {
        for (i, name) in folders.enumerated() {
            let dir = Array((f.source + "/home/alice/").utf8) + name
            let made = (dir + [0]).withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { $0.baseAddress.map { mkdir($0, 0o755) } ?? -1 } }
            try #require(made == 0, "mkdir \(name)")
            for j in 0..<3 {
                let file = dir + Array("/f\(j).txt".utf8) + [0]
                let fd = file.withUnsafeBufferPointer { p in p.withMemoryRebound(to: CChar.self) { $0.baseAddress.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? -1 } }
                try #require(fd >= 0)
                let text = Array("folder \(i) file \(j): some words to checksum\n".utf8)
                _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        }
    }

    /// Flips (or flips back) one byte of a snapshot's file, keeping its size and times.
    static func flip(_ path: String) throws {
        var st = stat()
        try #require(stat(path, &st) == 0)
        let fd = open(path, O_RDWR)
        try #require(fd >= 0)
        var b: UInt8 = 0
        _ = pread(fd, &b, 1, 3)
        b ^= 0x20
        _ = pwrite(fd, &b, 1, 3)
        close(fd)
        var times = [st.st_atim, st.st_mtim]
        try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    /// find(1), not FileManager: names that are not UTF-8 count too.
    static func regularFiles(under path: String) throws -> Int {
        try Tools.run("/usr/bin/find", [path, "-type", "f", "-printf", "x"]).output.count
    }

    @Test("--sample 1/4: a slice per run by folder (hostile names too), the exact sudoers command, a flipped byte named by the slice that holds it and by no other, every file checked once in 4 runs, coverage in the state file and `backup list`")
    func rotatingSample() throws {
        if let why = BackupRsyncTests.noRsync { print("backup sample tests: SKIPPED: \(why)"); return }
        let f = try BackupRsyncTests.Fixture()
        try Self.makeFolders(f)
        let t0 = 1_795_000_000
        let snap = try #require(try f.job(at: t0).run().snapshot)
        let victim = "home/alice/br[a]cket/f1.txt"
        try Self.flip(f.snapshotFile(snap, victim))
        let total = try Self.regularFiles(under: "\(f.config.destination)/snapshots/\(snap)")
        let verifyLine = "sudo -n " + RsyncServerCommand.verify(paths: f.config.paths)

        var checked = 0
        var named: [Int: [String]] = [:]
        for run in 0..<4 {
            let v = try f.job(at: t0 + 100 + run).verify(slices: 4)
            #expect(v.exitCode == 0 && v.message.isEmpty, "\(v.exitCode) \(v.message)")
            #expect(v.sample == VerifySample(index: run, of: 4))
            #expect(v.filesTotal == total)
            checked += v.filesChecked ?? 0
            if !v.findings.mismatched.isEmpty { named[run] = v.findings.mismatched }
            #expect(try String(contentsOfFile: f.log, encoding: .utf8).split(separator: "\n").last.map(String.init) == verifyLine,
                    "a sample must run the sudoers line unchanged")
        }
        #expect(checked == total, "every file once in 4 runs: \(checked) of \(total)")
        #expect(named.count == 1 && named.values.first == [String((f.source + "/" + victim).dropFirst())], "\(named)")
        let st = try #require(f.state())
        #expect(st.verifySlices == 4 && st.verifySliceIndex == 3 && st.verifySliceOK?.filter { $0 == 0 }.count == 1)
        #expect(st.verifyOK == (named[3] == nil))
        let list = BackupReport.list(BackupJob(config: f.config).list(), now: t0 + 200)
        #expect(list.contains { $0.contains("3 of 4 slices checked and ok") }, "\(list)")

        // Repaired: the next round of four covers every file.
        try Self.flip(f.snapshotFile(snap, victim))
        for run in 0..<4 {
            let v = try f.job(at: t0 + 300 + run).verify(slices: 4)
            #expect(v.ok && v.sample?.index == run, "\(v.findings)")
        }
        let covered = BackupReport.list(BackupJob(config: f.config).list(), now: t0 + 400)
        #expect(covered.contains { $0.contains("every file checked by checksum in the last 4 samples") }, "\(covered)")

        // The CLI: a bad --sample is refused with a message; a good one prints its slice.
        let configPath = f.dir + "/backup.json"
        try JSONEncoder().encode(f.config).write(to: URL(fileURLWithPath: configPath))
        for bad in ["1/1", "2/4", "1/0", "1/367", "1/-3", "1/4x", "x", "1/\u{1B}[2J"] {
            let r = try Tools.run(Binary.gpucluster, ["backup", "verify", "--config", configPath, "--sample", bad])
            #expect(r.status == 1 && r.error.contains("--sample takes 1/N") && !r.error.contains("\u{1B}"), "\(bad): \(r.status) \(r.error)")
        }
        let cli = try Tools.run(Binary.gpucluster, ["backup", "verify", "--config", configPath, "--sample", "1/4"])
        #expect(cli.status == 0 && cli.output.contains("sample 1 of 4:"), "\(cli.output) \(cli.error)")
    }

    @Test("a state file with a slice index out of range (edited, or from another N) starts the rotation over instead of trapping")
    func hostileState() throws {
        if let why = BackupRsyncTests.noRsync { print("backup sample tests: SKIPPED: \(why)"); return }
        let f = try BackupRsyncTests.Fixture()
        _ = try #require(try f.job(at: 1_795_000_000).run().snapshot)
        for index in [Int.max, -7, 4] {
            var st = try #require(f.state())
            st.verifySlices = 4
            st.verifySliceIndex = index
            st.verifySliceOK = [1, 2]
            try JSONEncoder().encode(st).write(to: URL(fileURLWithPath: f.config.statePath))
            let v = try f.job(at: 1_795_000_100).verify(slices: 4)
            #expect(v.sample == VerifySample(index: 0, of: 4) && v.ok, "\(index): \(String(describing: v.sample))")
            #expect(f.state()?.verifySliceOK?.count == 4)
        }
        // Another N: the rotation starts over for that N.
        let v = try f.job(at: 1_795_000_200).verify(slices: 7)
        #expect(v.sample == VerifySample(index: 0, of: 7) && f.state()?.verifySliceOK?.count == 7)
    }

    @Test("the walk never follows a symlink: a user's link to a folder, and a backed-up path that is itself a link, lead nowhere outside the snapshot")
    func walkStaysInside() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("sample-walk-\(UUID().uuidString.prefix(8))").path
        defer { try? fm.removeItem(atPath: dir) }
        let snapshot = dir + "/snapshot"
        try fm.createDirectory(atPath: snapshot + "/home/alice", withIntermediateDirectories: true)
        try "mine\n".write(toFile: snapshot + "/home/alice/a.txt", atomically: true, encoding: .utf8)
        try fm.createDirectory(atPath: dir + "/outside/deep", withIntermediateDirectories: true)
        for i in 0..<5 { try "x\n".write(toFile: dir + "/outside/deep/f\(i)", atomically: true, encoding: .utf8) }
        try fm.createSymbolicLink(atPath: snapshot + "/home/alice/escape", withDestinationPath: dir + "/outside")
        try fm.createSymbolicLink(atPath: snapshot + "/srv", withDestinationPath: dir + "/outside")
        let folders = VerifySample.folders(snapshotRoot: snapshot, paths: ["/home", "/srv"])
        #expect(folders.map { String(decoding: $0.path, as: UTF8.self) } == ["/home", "/home/alice"], "\(folders)")
        #expect(folders.map(\.files).reduce(0, +) == 1)
    }

    @Test("filter rules: wildcards escaped, NUL-separated, folders then every folder then nothing else")
    func rules() {
        let r = VerifySample.filterRules(folders: [Array("/home/a*b".utf8), Array("/home/x[1]\\".utf8)])
        #expect(r == Array("+ /home/a\\*b/*\0+ /home/x\\[1]\\\\/*\0+ */\0- *\0".utf8))
        #expect(VerifySample.slices("1/7") == 7 && VerifySample.slices("1/366") == 366)
        #expect(["1/1", "1/367", "7", "1/", "/7", "1/07x", "1//7", "2/7", "1/٣"].allSatisfy { VerifySample.slices($0) == nil })
        // The re-check after a run: each file's folders (a wildcard escaped), no other folder,
        // everything in those; rsync's `\#ooo` escapes turned back into bytes first.
        #expect(ChangedDuringRun.unescape("home/b\\#377f/x\\#012y") == Array("home/b".utf8) + [0xFF] + Array("f/x".utf8) + [0x0A] + Array("y".utf8))
        #expect(ChangedDuringRun.unescape("a\\#9zz\\#") == Array("a\\#9zz\\#".utf8))
        #expect(ChangedDuringRun.rules(files: [Array("home/a/x".utf8), Array("home/a/y".utf8), Array("home/b*/c".utf8), Array("home/d\\e/f".utf8)])
                == Array("+ /home/\0+ /home/a/\0+ /home/b\\*/\0+ /home/d\\e/\0- */\0+ *\0".utf8))
        // Stable: the same folder lands in the same slice every time.
        #expect(VerifySample.slice(ofFolder: Array("/home/alice".utf8), slices: 7) == VerifySample.slice(ofFolder: Array("/home/alice".utf8), slices: 7))
    }
}
