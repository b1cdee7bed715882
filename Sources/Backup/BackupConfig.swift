import HostSystem
import NodeReport
import Foundation
import Spec

/// What `gpucluster backup` does on the backup server, from `/etc/gpucluster/backup.json`
/// (written by the backup role from the spec's `backup:` section).
public struct BackupConfig: Codable, Sendable, Equatable {
    /// `account@address` on the source host; the server pulls (the source holds no key to it).
    public var source: String
    /// Absolute paths on the source.
    public var paths: [String]
    /// Snapshots go to DESTINATION/snapshots/NAME.
    public var destination: String
    public var keepDaily: Int
    public var keepWeekly: Int
    public var keepMonthly: Int
    /// The state file the agent reports (docs/agent.md, "Backup state file").
    public var statePath: String
    /// The remote shell rsync uses (`rsync -e`): ssh with the server's own key and the
    /// source's pinned host key.
    public var ssh: String
    /// How the source runs rsync: through sudo, which allows exactly the three commands the
    /// backup sends (RsyncServerCommand).
    public var remoteRsync: String
    /// The local rsync.
    public var rsync: String

    public init(source: String, paths: [String], destination: String, keepDaily: Int = 7, keepWeekly: Int = 4,
                keepMonthly: Int = 12, statePath: String = "/var/lib/gpucluster/backup-state.json",
                ssh: String = "ssh -o BatchMode=yes", remoteRsync: String = "sudo -n " + RsyncServerCommand.rsync,
                rsync: String = "rsync") {
        self.source = source
        self.paths = paths
        self.destination = destination
        self.keepDaily = keepDaily
        self.keepWeekly = keepWeekly
        self.keepMonthly = keepMonthly
        self.statePath = statePath
        self.ssh = ssh
        self.remoteRsync = remoteRsync
        self.rsync = rsync
    }

    public static let defaultPath = "/etc/gpucluster/backup.json"
    public static let maxFileBytes = 64 * 1024

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// Reads and checks a config file: every problem is one clear message naming the file.
    public static func load(path: String) throws(Invalid) -> BackupConfig {
        let data: Data
        switch SmallFile.read(path, max: maxFileBytes) {
        case .success(let d): data = d
        case .failure(.missing): throw Invalid(description: "\(path): no such file (the backup role writes it)")
        case .failure(.tooLarge): throw Invalid(description: "\(path): larger than 64 KiB; not a backup config")
        case .failure(.unreadable(let why)): throw Invalid(description: "\(path): cannot be read (\(why))")
        }
        let config: BackupConfig
        do {
            config = try JSONDecoder().decode(BackupConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw Invalid(description: "\(path): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw Invalid(description: "\(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw Invalid(description: "\(path): not valid JSON")
        }
        if let problem = config.problems().first { throw Invalid(description: "\(path): \(problem)") }
        return config
    }

    /// What is wrong with this config, if anything.
    public func problems() -> [String] {
        var out: [String] = []
        if !Self.isAccountAtHost(source) { out.append("source must be ACCOUNT@HOST, got '\(Self.printable(source))'") }
        if paths.isEmpty { out.append("paths is empty") }
        for p in paths where !Self.isSafeAbsolutePath(p) {
            out.append("path '\(Self.printable(p))' must be absolute, without '..', spaces or shell characters")
        }
        if !Self.isSafeAbsolutePath(destination) { out.append("destination must be an absolute plain path") }
        if destination == "/" { out.append("destination must not be /") }
        if !Self.isSafeAbsolutePath(statePath) { out.append("statePath must be an absolute plain path") }
        for (name, n) in [("keepDaily", keepDaily), ("keepWeekly", keepWeekly), ("keepMonthly", keepMonthly)] where !(0...3650).contains(n) {
            out.append("\(name) must be 0…3650")
        }
        if keepDaily + keepWeekly + keepMonthly == 0 { out.append("keeps no snapshot at all") }
        for (name, v) in [("ssh", ssh), ("remoteRsync", remoteRsync), ("rsync", rsync)]
        where v.isEmpty || v.count > 1024 || v.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            out.append("\(name) must be a one-line command")
        }
        return out
    }

    /// See `RsyncServerCommand.isPlainAbsolutePath` (validate uses the same rule).
    static func isSafeAbsolutePath(_ p: String) -> Bool { RsyncServerCommand.isPlainAbsolutePath(p) }

    static func isAccountAtHost(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].count <= 32, parts[1].count <= 253 else { return false }
        let account = parts[0].unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || "_-".unicodeScalars.contains($0)) }
        // No ':' (rsync splits the source there; `::` would mean its daemon).
        let host = parts[1].unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-".unicodeScalars.contains($0)) }
        return account && host && !parts[0].hasPrefix("-") && !parts[1].hasPrefix("-")
    }

    /// A user-supplied string made safe to print on one line.
    public static func printable(_ s: String) -> String { TerminalText.printable(s, max: 200) }
}
