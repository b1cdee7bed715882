import NodeReport
import HostSystem
import Foundation

/// `gpucluster backup run|verify|restore|list` on the backup server. The server pulls from the
/// source over ssh (the source holds no key to the server), into hard-linked snapshots, and
/// records each outcome in the state file the agent reports.
public struct BackupJob: Sendable {
    public let config: BackupConfig
    /// Unix seconds now (tests move time).
    let now: @Sendable () -> Int
    var store: SnapshotStore { SnapshotStore(root: config.destination) }

    /// Called when another run or verification holds the destination and this one waits.
    let waiting: @Sendable () -> Void

    public init(config: BackupConfig, now: @escaping @Sendable () -> Int = { Int(time(nil)) },
                waiting: @escaping @Sendable () -> Void = {}) {
        self.config = config
        self.now = now
        self.waiting = waiting
    }

    /// How far a run or verification has got.
    public struct Progress: Sendable {
        public var items: Int
        public var bytes: Int
        public var seconds: Int
    }

    public struct RunResult: Sendable {
        public var snapshot: SnapshotName?
        public var exitCode: Int32
        public var succeeded: Bool
        public var message: String
        public var itemsChanged: Int
        public var bytesTransferred: Int?
        public var pruned: [SnapshotName]
        public var snapshotsKept: Int
        /// Files that changed on the source while they were being copied (rsync's names), and
        /// how many copied files that check compared, in how many seconds (nil: not checked).
        public var changedDuringRun: [String] = []
        public var recheckedFiles: Int?
        public var recheckSeconds: Double?
    }

    public struct VerifyResult: Sendable {
        public var snapshot: SnapshotName
        public var exitCode: Int32
        public var findings: VerifyFindings
        public var message: String
        /// The slice checked (`--sample 1/N`), and how many files it held of the snapshot's.
        public var sample: VerifySample?
        public var filesChecked: Int?
        public var filesTotal: Int?
        /// rsync finished and nothing differed without a reason.
        public var ok: Bool { RsyncExit.isSuccess(exitCode) && findings.mismatched.isEmpty }
    }

    /// One pull into a new snapshot, hard-linked against the newest one; then retention.
    public func run(progress: ((Progress) -> Void)? = nil) throws(BackupError) -> RunResult {
        let store = self.store
        try store.prepare()
        let lockFD = try store.lock(waiting: waiting)
        defer { close(lockFD) }
        for leftover in store.interruptedDeletions() { try store.remove(leftover) }
        let start = now()
        var name = SnapshotName(time: start)
        let existing = store.snapshots()
        if let newest = existing.last, newest >= name { name = SnapshotName(time: newest.time + 1) }
        // A failed run's partial copy is continued, not thrown away (and older ones go).
        let partials = store.partials()
        if let last = partials.last { try store.move(store.partialPath(last), store.partialPath(name)) }
        for old in partials.dropLast() { try store.remove(store.partialPath(old)) }

        // Times compared to the nanosecond (`--modify-window=-1`, which stays on this side):
        // a file rewritten in the same second as the snapshot's copy is copied again, not
        // hard-linked as unchanged (rsync's default compares whole seconds).
        var args = ["-aRHAX", "--modify-window=-1", "--numeric-ids", "--delete", "--stats", "--out-format=%i %l %n",
                    "-e", config.ssh, "--rsync-path=\(config.remoteRsync)"]
        if let newest = existing.last { args.append("--link-dest=\(store.path(newest))") }
        args += config.paths.map { "\(config.source):\($0)" }
        args.append(store.partialPath(name) + "/")

        var changed = 0, bytes = 0
        var stats: [String: Int] = [:]
        var messages: [String] = []
        var copied: [String] = []
        let code = try stream(args, progress: progress) { line in
            switch line {
            case .item(let flags, let length, let name):
                changed += 1; bytes += length
                if flags.hasPrefix(">f"), copied.count <= ChangedDuringRun.maxFiles { copied.append(name) }
            case .deleting: changed += 1
            case .stat(let k, let v): stats[k] = v
            case .message(let m): messages.append(m)
            }
            return (changed, bytes)
        }
        let end = now()
        let transferred = stats["Total transferred file size"]
        guard RsyncExit.isSuccess(code) else {
            let why = Self.failureMessage(code, messages)
            try BackupState.update(config.statePath) { s in
                s.lastRunStart = Double(start); s.lastRunEnd = Double(end); s.exitCode = Int(code)
                s.message = why; s.snapshots = store.snapshots().count
            }
            return RunResult(snapshot: nil, exitCode: code, succeeded: false, message: why, itemsChanged: changed,
                             bytesTransferred: transferred, pruned: [], snapshotsKept: store.snapshots().count)
        }
        try store.move(store.partialPath(name), store.path(name))
        try store.setLatest(name)
        let decision = Retention(daily: config.keepDaily, weekly: config.keepWeekly, monthly: config.keepMonthly)
            .decide(store.snapshots())
        var notes = code == 24 ? ["some files vanished while copying (normal on a live system)"] : []
        // A first snapshot copies everything: the check would be a whole verification.
        var changedDuring: [String] = []
        var rechecked: (files: Int, seconds: Double)?
        if existing.last != nil, !copied.isEmpty {
            if copied.count > ChangedDuringRun.maxFiles {
                notes.append("more than \(ChangedDuringRun.maxFiles) files copied: not re-checked for changes during the run")
            } else {
                let started = ContinuousClock.now
                switch recheck(copied, in: name) {
                case .success(let names):
                    changedDuring = names
                    let d = (ContinuousClock.now - started).components
                    rechecked = (copied.count, Double(d.seconds) + Double(d.attoseconds) / 1e18)
                case .failure(let why): notes.append("could not re-check the copied files: \(why)")
                }
            }
        }
        if !changedDuring.isEmpty {
            let shown = changedDuring.prefix(5).map { BackupConfig.printable($0) }.joined(separator: ", ")
            notes.append("WARNING: \(changedDuring.count) file(s) changed while being copied (the next run copies them again): \(shown)"
                         + (changedDuring.count > 5 ? " and \(changedDuring.count - 5) more" : ""))
        }
        var note = notes.joined(separator: "; ")
        // The success is recorded before pruning: a deletion that fails must not hide it.
        try BackupState.update(config.statePath) { s in
            s.lastRunStart = Double(start); s.lastRunEnd = Double(end); s.lastSuccess = Double(end)
            s.exitCode = Int(code); s.bytesTransferred = transferred.map(Double.init); s.message = note
            s.snapshots = decision.keep.count + decision.remove.count
        }
        var pruned: [SnapshotName] = []
        for old in decision.remove {
            do { try store.delete(old); pruned.append(old) } catch {
                note = (note.isEmpty ? "" : note + "; ") + "retention: \(error)"
            }
        }
        let kept = store.snapshots().count
        try BackupState.update(config.statePath) { s in s.snapshots = kept; s.message = note }
        return RunResult(snapshot: name, exitCode: code, succeeded: true, message: note, itemsChanged: changed,
                         bytesTransferred: transferred, pruned: pruned, snapshotsKept: kept, changedDuringRun: changedDuring,
                         recheckedFiles: rechecked?.files, recheckSeconds: rechecked?.seconds)
    }

    /// The files a run copied, compared with the source once more by size and time to the
    /// nanosecond (ChangedDuringRun): the re-check's sudoers line, filter rules keeping it to
    /// the folders that hold them. A copied file that now differs changed while (or just after)
    /// it was copied.
    private func recheck(_ copied: [String], in snapshot: SnapshotName) -> Result<[String], BackupError> {
        do throws(BackupError) {
            let r = try dryRun(Self.recheckOptions, against: snapshot,
                               rules: ChangedDuringRun.rules(files: copied.map(ChangedDuringRun.unescape)), progress: nil)
            guard RsyncExit.isSuccess(r.code) else { return .failure(BackupError(Self.failureMessage(r.code, r.messages))) }
            // (rsync prints names the same way in both runs, so they compare as printed.)
            let wasCopied = Set(copied)
            return .success((r.findings.mismatched + r.findings.changed).filter(wasCopied.contains))
        } catch {
            return .failure(error)
        }
    }

    /// The verification: `-n -c` (dry run, checksums), the pull's options otherwise.
    static let verifyOptions = ["-n", "-c", "-aRHAX", "--numeric-ids", "--delete"]
    /// The re-check: `-n`, sizes and times with nanoseconds (`--modify-window=-1`, which stays
    /// on this side), without ACLs, xattrs, hard links or deletions, which a torn copy does not move.
    static let recheckOptions = ["-n", "-aR", "--modify-window=-1", "--numeric-ids"]

    /// A dry run of the source against `snapshot` with `options`, whose server side is exactly
    /// one of the lines the source's sudoers allows (RsyncServerCommand), limited by filter
    /// rules when given (they travel inside rsync's protocol; the file holding them lives in the
    /// destination's root for this one call).
    private func dryRun(_ options: [String], against snapshot: SnapshotName, rules: [UInt8]?,
                        progress: ((Progress) -> Void)?) throws(BackupError) -> (code: Int32, findings: VerifyFindings, messages: [String]) {
        var args = options + ["--out-format=%i %l %n", "-e", config.ssh, "--rsync-path=\(config.remoteRsync)"]
        let rulesFile = store.root + "/.filter-rules"
        if let rules {
            guard FileManager.default.createFile(atPath: rulesFile, contents: Data(rules), attributes: [.posixPermissions: 0o600]) else {
                throw BackupError("cannot write \(rulesFile)")
            }
            args += ["--from0", "--filter=merge \(rulesFile)"]
        }
        defer { if rules != nil { try? FileManager.default.removeItem(atPath: rulesFile) } }
        args += config.paths.map { "\(config.source):\($0)" }
        args.append(store.path(snapshot) + "/")
        var findings = VerifyFindings()
        var messages: [String] = []
        var seen = 0
        let code = try stream(args, progress: progress) { line in
            if case .message(let m) = line { messages.append(m) } else { seen += 1 }
            findings.add(line)
            return (seen, 0)
        }
        return (code, findings, messages)
    }

    /// Compares the newest snapshot with the source by checksum, without copying anything:
    /// every file, or with `slices` one slice of a rotating sample (the one after the slice
    /// the state file says was checked last), so that every file is checked within `slices` runs.
    public func verify(slices: Int? = nil, progress: ((Progress) -> Void)? = nil) throws(BackupError) -> VerifyResult {
        let store = self.store
        try store.prepare()
        let lockFD = try store.lock(waiting: waiting)
        defer { close(lockFD) }
        guard let newest = store.snapshots().last else {
            throw BackupError("nothing to verify: no snapshot in \(store.snapshotsDir) yet (run `gpucluster backup run` first)")
        }
        var sample: VerifySample?
        var checked: Int?, total: Int?
        var rules: [UInt8]?
        if let n = slices {
            guard (2...VerifySample.maxSlices).contains(n) else { throw BackupError("a sample is 1/N with N from 2 to \(VerifySample.maxSlices)") }
            let previous = BackupState.read(config.statePath)
            // (The state file is read as untrusted: an index out of range starts the rotation over.)
            let last = previous.verifySlices == n ? previous.verifySliceIndex.flatMap { (0..<n).contains($0) ? $0 : nil } : nil
            let index = last.map { ($0 + 1) % n } ?? 0
            let folders = VerifySample.folders(snapshotRoot: store.path(newest), paths: config.paths)
            let chosen = folders.filter { VerifySample.slice(ofFolder: $0.path, slices: n) == index }
            sample = VerifySample(index: index, of: n)
            checked = chosen.reduce(0) { $0 + $1.files }
            total = folders.reduce(0) { $0 + $1.files }
            rules = VerifySample.filterRules(folders: chosen.map(\.path))
        }
        let (code, findings, messages) = try dryRun(Self.verifyOptions, against: newest, rules: rules, progress: progress)
        let result = VerifyResult(snapshot: newest, exitCode: code, findings: findings,
                                  message: RsyncExit.isSuccess(code) ? "" : Self.failureMessage(code, messages),
                                  sample: sample, filesChecked: checked, filesTotal: total)
        let at = Double(now())
        try BackupState.update(config.statePath) { s in
            s.lastVerify = at
            s.verifyOK = result.ok
            if RsyncExit.isSuccess(code) { s.verifyMismatches = findings.mismatched.count }
            s.verifyFilesChecked = checked
            s.verifyFilesTotal = total
            if let sample {
                var ok = s.verifySlices == sample.of ? (s.verifySliceOK ?? []) : []
                if ok.count != sample.of { ok = Array(repeating: 0, count: sample.of) }
                ok[sample.index] = result.ok ? at : 0
                s.verifySlices = sample.of
                s.verifySliceIndex = sample.index
                s.verifySliceOK = ok
            } else if let n = s.verifySlices, (1...VerifySample.maxSlices).contains(n) {
                // A full check covers every slice (and a failed one leaves none known good).
                s.verifySliceOK = Array(repeating: result.ok ? at : 0, count: n)
            }
        }
        return result
    }

    /// Copies PATH as it was in a snapshot into TARGET (a new or empty folder on this machine):
    /// the source cannot be written from here, by design, so restored files are copied back by
    /// an admin.
    /// With `force`, TARGET may hold files already: those of the same name are replaced, nothing
    /// is deleted (never `/`: a restore is not a way to write over this server's own files).
    public func restore(snapshot: String, path: String, to target: String, force: Bool = false) throws(BackupError) -> Int32 {
        let store = self.store
        let chosen: SnapshotName
        if snapshot == "latest" {
            guard let s = store.snapshots().last else { throw BackupError("no snapshot yet in \(store.snapshotsDir)") }
            chosen = s
        } else {
            guard let s = SnapshotName(snapshot), store.snapshots().contains(s) else {
                throw BackupError("no snapshot named '\(BackupConfig.printable(snapshot))' (see `gpucluster backup list`)")
            }
            chosen = s
        }
        guard BackupConfig.isSafeAbsolutePath(path), config.paths.contains(where: { Self.isWithin(path, $0) }) else {
            throw BackupError("'\(BackupConfig.printable(path))' is not under a backed-up path (\(config.paths.joined(separator: ", ")))")
        }
        guard BackupConfig.isSafeAbsolutePath(target), !Self.isWithin(Self.resolved(target), Self.resolved(config.destination)) else {
            throw BackupError("the target must be an absolute plain path outside \(config.destination)")
        }
        let snapshotRoot = store.path(chosen)
        let inSnapshot = snapshotRoot + path
        // A symlink inside the snapshot (a user's `~/x -> /root/.ssh`) would lead rsync out of
        // the snapshot, into this server's own files: every folder on the way must be a folder.
        var walked = snapshotRoot
        for component in path.split(separator: "/").dropLast() {
            walked += "/" + component
            var st = stat()
            guard lstat(walked, &st) == 0 else { throw BackupError("\(path) is not in snapshot \(chosen)") }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw BackupError("\(BackupConfig.printable(String(walked.dropFirst(snapshotRoot.count)))) is a symlink or file in snapshot \(chosen), not a folder: restore it, not a path through it")
            }
        }
        var st = stat()
        guard lstat(inSnapshot, &st) == 0 else {
            throw BackupError("\(path) is not in snapshot \(chosen)")
        }
        guard Self.resolved(target) != "/" else {
            throw BackupError("the target cannot be / (this server's own files): restore into a folder")
        }
        if !force, let entries = try? FileManager.default.contentsOfDirectory(atPath: target), !entries.isEmpty {
            throw BackupError("\(target) is not empty: restore into a new or empty folder, then copy what you need (or --force to write into it: files of the same name are replaced, nothing is deleted)")
        }
        // `/./` makes -R keep the path from there: TARGET/home/alice/…
        let args = ["-aRHAX", "--numeric-ids", store.path(chosen) + "/." + path, target + "/"]
        do {
            return try CommandRunner.streamLines(config.rsync, args, environment: ProcessInfo.processInfo.environment,
                                                 mergeStderr: true) { print($0) }
        } catch {
            throw BackupError("cannot run \(config.rsync): \(error)")
        }
    }

    /// `path` is `root` or inside it.
    static func isWithin(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// The path with symlinks resolved as far as it exists (the rest appended).
    static func resolved(_ path: String) -> String {
        var existing = path, rest: [String] = []
        while !existing.isEmpty, existing != "/" {
            if let r = realpath(existing, nil) {
                defer { free(r) }
                return ([String(cString: r)] + rest.reversed()).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return path
    }

    /// Snapshots, newest first, with why each is kept; unfinished runs; and the state file.
    public struct Listing: Sendable {
        public var snapshots: [(name: SnapshotName, reasons: [String])]
        public var partials: [SnapshotName]
        public var state: BackupStatus
    }

    public func list() -> Listing {
        let store = self.store
        let all = store.snapshots()
        let decision = Retention(daily: config.keepDaily, weekly: config.keepWeekly, monthly: config.keepMonthly).decide(all)
        return Listing(snapshots: all.reversed().map { ($0, decision.keep[$0] ?? ["(removed at the next run)"]) },
                       partials: store.partials(), state: BackupState.read(config.statePath))
    }

    /// Runs rsync, feeding each parsed line to `handle` (which returns items and bytes so far
    /// for the progress reports, at most one every 2 s).
    private func stream(_ args: [String], progress: ((Progress) -> Void)?,
                        handle: (RsyncLine) -> (Int, Int)) throws(BackupError) -> Int32 {
        let started = ContinuousClock.now
        var lastReport = started
        do {
            return try CommandRunner.streamLines(config.rsync, args, environment: ProcessInfo.processInfo.environment,
                                                 mergeStderr: true) { line in
                let (items, bytes) = handle(RsyncLine.parse(line))
                let t = ContinuousClock.now
                if let progress, t - lastReport >= .seconds(2) {
                    lastReport = t
                    progress(Progress(items: items, bytes: bytes, seconds: Int((t - started).components.seconds)))
                }
            }
        } catch {
            throw BackupError("cannot run \(config.rsync): \(error)")
        }
    }

    /// rsync's meaning of the code, and the line that says why: what ssh or sudo said first
    /// (rsync then only adds "connection unexpectedly closed"), else rsync's last complaint.
    static func failureMessage(_ code: Int32, _ messages: [String]) -> String {
        let transportWords = ["sudo:", "ssh:", "Permission denied", "Host key verification failed", "Connection refused",
                              "Connection timed out", "No route to host", "Could not resolve"]
        let transport = messages.first { line in transportWords.contains { line.contains($0) } }
        let detail = transport ?? messages.last { $0.hasPrefix("rsync:") }
        let base = "rsync exit \(code): \(RsyncExit.meaning(code))"
        return detail.map { base + " — " + BackupConfig.printable($0) } ?? base
    }
}
