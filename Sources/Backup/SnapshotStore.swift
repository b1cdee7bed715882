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

    /// Takes the lock for this destination, or says who holds it. Released when the process ends.
    func lock() throws(BackupError) -> Int32 {
        let fd = open(root + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BackupError("cannot open \(root)/.lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw BackupError("another backup run or verification is in progress on \(root)")
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

    func move(_ from: String, _ to: String) throws(BackupError) {
        guard rename(from, to) == 0 else { throw BackupError("cannot rename \(from) to \(to): \(String(cString: strerror(errno)))") }
    }
}
