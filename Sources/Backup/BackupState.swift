import Agent
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
            try enc.encode(s).write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw BackupError("cannot replace \(path): \(String(cString: strerror(errno)))") }
        } catch let e as BackupError {
            throw e
        } catch {
            throw BackupError("cannot write the state file \(path): \(error.localizedDescription)")
        }
    }
}

public struct BackupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
