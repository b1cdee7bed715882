import NodeReport
import Foundation

/// The state file: read what the last runs left, change some fields, write it back atomically
/// (the agent may read it at any moment). The format is the agent's `BackupStatus`.
enum BackupState {
    static func read(_ path: String) -> BackupStatus {
        if case .success(let s) = BackupStatus.read(path: path) { return s }
        return BackupStatus()
    }

    static func update(_ path: String, _ change: (inout BackupStatus) -> Void) throws(BackupError) {
        var s = read(path)
        change(&s)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            let tmp = path + ".tmp"
            try Self.writeDurably(Array(try enc.encode(s)), to: tmp)
            guard rename(tmp, path) == 0 else { throw BackupError("cannot replace \(path): \(String(cString: strerror(errno)))") }
        } catch let e as BackupError {
            throw e
        } catch {
            throw BackupError("cannot write the state file \(path): \(error.localizedDescription)")
        }
    }

    /// The bytes on disk (fsync) before the rename makes them the state: after a crash the
    /// file is the old state or the new one, never empty.
    static func writeDurably(_ bytes: [UInt8], to path: String) throws(BackupError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw BackupError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BackupError("cannot write \(path): \(String(cString: strerror(errno)))") }
            done += n
        }
        guard fsync(fd) == 0 else { throw BackupError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}

public struct BackupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
