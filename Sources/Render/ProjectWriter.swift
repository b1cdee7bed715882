import Foundation

/// Writes a rendered project into a folder without losing anything that is not ours: a
/// non-empty folder is only written into when a previous render left its manifest there.
/// Files are replaced only when their bytes change; files of the previous render that are no
/// longer generated are removed. Hand-added files (e.g. extra roles) are kept.
public enum ProjectWriter {
    public static let manifest = ".gpucluster-render"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Summary: Sendable, Equatable {
        public var written: [String] = []
        public var unchanged = 0
        public var removed: [String] = []
    }

    public static func write(_ files: [RenderedFile], to dir: String) throws(Failure) -> Summary {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: dir)
        var isDir: ObjCBool = false
        var previous: [String] = []
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw Failure(description: "\(dir) exists and is not a folder") }
            let entries = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if let m = try? String(contentsOf: root.appendingPathComponent(manifest), encoding: .utf8) {
                previous = m.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
            } else if !entries.isEmpty {
                throw Failure(description: "\(dir) is not empty and holds no earlier render (\(manifest)); refusing to write into it")
            }
        }
        var summary = Summary()
        var folders = Set<String>()
        do {
            for f in files {
                guard !f.path.hasPrefix("/"), !f.path.split(separator: "/").contains("..") else {
                    throw Failure(description: "refusing to write outside \(dir): \(f.path)")
                }
                let url = root.appendingPathComponent(f.path)
                let folder = url.deletingLastPathComponent().path
                if folders.insert(folder).inserted { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) }
                let data = Data(f.content.utf8)
                let mode = Int(f.mode ?? "0644", radix: 8) ?? 0o644
                if let old = try? Data(contentsOf: url) {
                    if old == data {
                        summary.unchanged += 1
                    } else {
                        try data.write(to: url, options: .atomic)   // never a half-written file in place of a good one
                        summary.written.append(f.path)
                    }
                    try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
                } else {
                    // A new file replaces nothing: written in place, with its mode, in one go.
                    try writeNew(url.path, data, mode: mode_t(mode))
                    summary.written.append(f.path)
                }
            }
            let now = Set(files.map(\.path))
            for old in previous where !now.contains(old) && !old.split(separator: "/").contains("..") {
                if (try? fm.removeItem(at: root.appendingPathComponent(old))) != nil { summary.removed.append(old) }
            }
            let list = "# Files written by `gpucluster render` (it removes them when they are no longer generated).\n"
                + files.map(\.path).joined(separator: "\n") + "\n"
            try Data(list.utf8).write(to: root.appendingPathComponent(manifest), options: .atomic)
        } catch let e as Failure {
            throw e
        } catch {
            throw Failure(description: "cannot write into \(dir): \(error.localizedDescription)")
        }
        return summary
    }

    /// Creates a file that must not exist yet (O_EXCL), with its mode, in one open and write.
    static func writeNew(_ path: String, _ data: Data, mode: mode_t) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = fchmod(fd, mode)   // the umask must not narrow a script's 0755
        let ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
        guard ok else { throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
