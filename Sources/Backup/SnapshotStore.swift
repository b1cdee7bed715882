import Foundation

/// The destination folder: `snapshots/NAME` (complete), `snapshots/NAME.partial` (a run in
/// progress or one that failed; the next run continues it), `latest` → the newest snapshot,
/// and `.lock`. Only names that parse as snapshot names are ever renamed or deleted.
struct SnapshotStore {
    let root: String
    var snapshotsDir: String { root + "/snapshots" }
    func path(_ s: SnapshotName) -> String { "\(snapshotsDir)/\(s)" }
    func partialPath(_ s: SnapshotName) -> String { "\(snapshotsDir)/\(s).partial" }

    func prepare() throws(BackupError) {
        for dir in [root, snapshotsDir] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw BackupError("cannot create \(dir): \(error.localizedDescription)")
            }
        }
    }

    private func names() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: snapshotsDir)) ?? [] }

    /// Complete snapshots, oldest first (real folders only: a symlink or file is not one).
    func snapshots() -> [SnapshotName] {
        names().compactMap { n in SnapshotName(n).flatMap { isDirectory("\(snapshotsDir)/\(n)") ? $0 : nil } }.sorted()
    }

    func partials() -> [SnapshotName] {
        names().compactMap { n in
            n.hasSuffix(".partial") ? SnapshotName(String(n.dropLast(".partial".count))).flatMap { isDirectory(partialPath($0)) ? $0 : nil } : nil
        }.sorted()
    }

    func isDirectory(_ p: String) -> Bool {
        var st = stat()
        return lstat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Takes the lock for this destination, waiting for a run or verification in progress
    /// (`waiting` says so first). The timers of both can fire together (after a boot: both are
    /// Persistent=); neither may be lost. systemd's TimeoutStartSec bounds the wait.
    /// Released when the process ends.
    func lock(waiting: () -> Void = {}) throws(BackupError) -> Int32 {
        let fd = open(root + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError("cannot open \(root)/.lock: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        waiting()
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                close(fd)
                throw BackupError("cannot lock \(root)/.lock: \(String(cString: strerror(errno)))")
            }
        }
        return fd
    }

    /// Points `latest` at a snapshot (a new symlink renamed over the old one: never missing).
    func setLatest(_ s: SnapshotName) throws(BackupError) {
        let tmp = root + "/.latest.tmp"
        unlink(tmp)
        guard symlink("snapshots/\(s)", tmp) == 0, rename(tmp, root + "/latest") == 0 else {
            throw BackupError("cannot update \(root)/latest: \(String(cString: strerror(errno)))")
        }
    }

    func remove(_ path: String) throws(BackupError) {
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw BackupError("cannot remove \(path): \(error.localizedDescription)")
        }
    }

    /// Deletes a snapshot so that an interrupted deletion never leaves a half snapshot under a
    /// snapshot's name: renamed to `NAME.deleting` first (never taken for a snapshot), then
    /// removed; leftovers of an interrupted deletion go at the next run.
    func delete(_ s: SnapshotName) throws(BackupError) {
        let doomed = "\(snapshotsDir)/\(s).deleting"
        try move(path(s), doomed)
        try remove(doomed)
    }

    /// `NAME.deleting` folders an interrupted deletion left.
    func interruptedDeletions() -> [String] {
        names().filter { n in n.hasSuffix(".deleting") && SnapshotName(String(n.dropLast(".deleting".count))) != nil }
            .map { "\(snapshotsDir)/\($0)" }
    }

    func move(_ from: String, _ to: String) throws(BackupError) {
        guard rename(from, to) == 0 else { throw BackupError("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))") }
    }
}
