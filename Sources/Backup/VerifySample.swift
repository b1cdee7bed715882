import Foundation
import HostSystem
import NodeReport

/// `backup verify --sample 1/N`: the newest snapshot's files split into N slices by the folder
/// that holds them (a stable hash of the folder's path), one slice checked by checksum per
/// verification, the next one the time after; so every file is checked within N runs.
///
/// The slice goes to rsync as filter rules (`+ /FOLDER/*` for each of its folders, then `+ */`
/// and `- *`). Filter rules travel inside rsync's protocol, not on the source's command line:
/// the source runs exactly the verification command its sudoers line allows (a test records it).
/// Folders, not files, are the unit: rsync matches each file against every rule in turn, so a
/// rule per file would cost files × rules; a lab's homes have ~100× fewer folders than files.
public struct VerifySample: Sendable, Equatable {
    /// Which slice (0 ..< of).
    public var index: Int
    public var of: Int

    public static let maxSlices = BackupStatus.maxSlices

    public init(index: Int, of: Int) {
        self.index = index
        self.of = of
    }

    /// "1/N" as the option is written (N in 2 … 366).
    public static func slices(_ text: String) -> Int? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "1", parts[1].count <= 3, parts[1].allSatisfy(\.isASCII),
              let n = Int(parts[1]), (2...maxSlices).contains(n) else { return nil }
        return n
    }

    /// The slice a folder belongs to: FNV-1a of its path's bytes (stable across runs and machines).
    public static func slice(ofFolder path: [UInt8], slices: Int) -> Int {
        Int(StableHash.fnv1a(path) % UInt64(max(1, slices)))
    }

    /// A folder of the snapshot, by its path as on the source, and the regular files directly in it.
    public struct Folder: Sendable, Equatable {
        public var path: [UInt8]
        public var files: Int
    }

    /// Every folder under each backed-up path inside the snapshot, never through a symlink
    /// (a user's link is a file here, not a way out of the snapshot). Names are bytes: a folder
    /// whose name is not UTF-8 is still sampled.
    public static func folders(snapshotRoot: String, paths: [String]) -> [Folder] {
        var out: [Folder] = []
        let root = Array(snapshotRoot.utf8)
        var stack: [[UInt8]] = paths.map { Array($0.utf8) }.reversed()
        while let folder = stack.popLast() {
            guard let dir = openFolder(root: root, folder) else { continue }
            var files = 0
            var sub: [[UInt8]] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name == [0x2E] || name == [0x2E, 0x2E] { continue }
                let child = folder + [0x2F] + name
                var st = stat()
                guard withCString(root + child, { lstat($0, &st) }) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: sub.append(child)
                case S_IFREG: files += 1
                default: break
                }
            }
            closedir(dir)
            out.append(Folder(path: folder, files: files))
            stack += sub.sorted { $0.lexicographicallyPrecedes($1) }.reversed()
        }
        return out
    }

    /// The rules for rsync's `--from0 --filter='merge FILE'`: NUL-separated, the folder's
    /// wildcard characters escaped (every rule ends in `/*`, so rsync honours the escapes).
    public static func filterRules(folders: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for f in folders {
            out += Array("+ ".utf8)
            for b in f {
                if b == UInt8(ascii: "*") || b == UInt8(ascii: "?") || b == UInt8(ascii: "[") || b == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                }
                out.append(b)
            }
            out += Array("/*".utf8) + [0]
        }
        out += Array("+ */".utf8) + [0] + Array("- *".utf8) + [0]
        return out
    }

    /// The folder opened one component at a time from the snapshot's root, none of them
    /// followed if it is a symlink (a backed-up `/home` that is a link, or a folder swapped
    /// for one, must not lead this walk out of the snapshot as root).
    private static func openFolder(root: [UInt8], _ folder: [UInt8]) -> OpaquePointer? {
        guard var fd = withCString(root, { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }), fd >= 0 else { return nil }
        for component in folder.split(separator: UInt8(ascii: "/")) {
            let next = withCString(Array(component), { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }) ?? -1
            close(fd)
            guard next >= 0 else { return nil }
            fd = next
        }
        guard let dir = fdopendir(fd) else { close(fd); return nil }
        return dir
    }

    /// `body` with the bytes as a C string (nil only if there is no buffer, which cannot be).
    private static func withCString<T>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T? {
        (bytes + [0]).withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { c in c.baseAddress.map(body) }
        }
    }
}

/// How much of the newest snapshots verification has covered, from the state file.
public struct VerifyCoverage: Sendable, Equatable {
    public var slices: Int
    /// Slices whose last check found nothing wrong.
    public var okSlices: Int
    /// The oldest of those checks: every file was checked by checksum since then (when all are OK).
    public var since: Double?

    public var complete: Bool { okSlices == slices }

    public init?(sliceOK: [Double]?) {
        guard let s = sliceOK, !s.isEmpty else { return nil }
        slices = s.count
        okSlices = s.filter { $0 > 0 }.count
        since = okSlices == slices ? s.min() : nil
    }
}

/// After a run: the files it copied, compared once more with the source by size and time to
/// the nanosecond (a dry run of the folders that hold them), so that a file written to while
/// it was being copied is named in a warning instead of sitting torn in the snapshot unnoticed
/// (rsync itself says nothing: it sends what it read). The next run copies such a file again.
///
/// Folders, not files, go into the rules: rsync matches each walked file against every rule
/// in turn, so a rule per copied file cost files walked × files copied (1,000 copied of
/// 100,000: 2.5 s by checksum, 1.0 s by size and time; by folder 0.5–0.8 s, about a quick
/// walk of those folders, measured on 2 cores). Other files of those folders that moved are
/// not named: their snapshot copy is the earlier, whole version.
public enum ChangedDuringRun {
    /// Past this many copied files the names are not kept and the check is skipped (memory:
    /// a name is up to 4 KiB). Its cost is at most a quick walk of the backed-up tree.
    public static let maxFiles = 100_000

    /// rsync's `%n` back to bytes: it writes a byte it will not print as `\#ooo` (octal).
    public static func unescape(_ name: String) -> [UInt8] {
        let u = Array(name.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\"), i + 4 < u.count, u[i + 1] == UInt8(ascii: "#"),
               let v = octal(u[(i + 2)...(i + 4)]) {
                out.append(v)
                i += 5
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var v = 0
        for d in digits {
            guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "7") else { return nil }
            v = v * 8 + Int(d - UInt8(ascii: "0"))
        }
        return v <= 255 ? UInt8(v) : nil
    }

    /// Each file's folders (`+ /a/`, `+ /a/b/`: rules ending in `/` match folders only), then
    /// `- */` (no other folder) and `+ *` (everything else in those folders): rsync walks only
    /// them, and a file there meets folder rules only, which it skips at once. A pattern with a
    /// wildcard character has them escaped (rsync honours backslashes only in patterns that
    /// have one).
    public static func rules(files: [[UInt8]]) -> [UInt8] {
        var seen = Set<[UInt8]>()
        var out: [UInt8] = []
        func add(_ pattern: [UInt8]) {
            guard seen.insert(pattern).inserted else { return }
            let wild = pattern.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
            out += Array("+ /".utf8)
            for b in pattern {
                if wild, b == UInt8(ascii: "*") || b == UInt8(ascii: "?") || b == UInt8(ascii: "[") || b == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                }
                out.append(b)
            }
            out.append(0)
        }
        for f in files {
            let parts = f.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            var prefix: [UInt8] = []
            for p in parts.dropLast() {
                prefix += Array(p) + [UInt8(ascii: "/")]
                add(prefix)
            }
        }
        out += Array("- */".utf8) + [0] + Array("+ *".utf8) + [0]
        return out
    }
}
