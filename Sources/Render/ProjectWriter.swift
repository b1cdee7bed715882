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
        do {
            for f in files {
                guard !f.path.hasPrefix("/"), !f.path.split(separator: "/").contains("..") else {
                    throw Failure(description: "refusing to write outside \(dir): \(f.path)")
                }
                let url = root.appendingPathComponent(f.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                let data = Data(f.content.utf8)
                if let old = try? Data(contentsOf: url), old == data {
                    summary.unchanged += 1
                } else {
                    try data.write(to: url, options: .atomic)
                    summary.written.append(f.path)
                }
                let mode = Int(f.mode ?? "0644", radix: 8) ?? 0o644
                try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
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
}
