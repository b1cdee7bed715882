/// rsync's output as `gpucluster backup` asks for it: `--out-format='%i %l %n'` lines (what
/// changed, its length, its name), `*deleting` lines, `--stats` lines and error messages,
/// all on one stream.
public enum RsyncLine: Sendable, Equatable {
    /// One item: `flags` is `%i` (`YXcstpoguax`), e.g. `>fc........`.
    case item(flags: String, length: Int, name: String)
    case deleting(name: String)
    /// `Total transferred file size: 1,234 bytes` and the like.
    case stat(key: String, value: Int)
    /// Anything else: errors (`rsync: …`, `ssh: …`), warnings, the summary.
    case message(String)

    public static func parse(_ line: Substring) -> RsyncLine {
        if line.hasPrefix("*deleting") {
            let rest = line.dropFirst("*deleting".count).drop(while: { $0 == " " })
            let afterLength = rest.drop(while: { $0 != " " }).dropFirst()
            return .deleting(name: String(afterLength))
        }
        let u = Array(line.utf8.prefix(12))
        if u.count == 12, u[11] == UInt8(ascii: " "), "<>ch.".utf8.contains(u[0]), "fdLDS".utf8.contains(u[1]) {
            let flags = String(line.prefix(11))
            let rest = line.dropFirst(12)
            let lengthText = rest.prefix(while: { $0 != " " })
            if let length = Int(lengthText) {
                return .item(flags: flags, length: length, name: String(rest.dropFirst(lengthText.count + 1)))
            }
        }
        if let colon = line.firstIndex(of: ":"), line.hasPrefix("Total") || line.hasPrefix("Number of") {
            let key = String(line[..<colon])
            let digits = line[line.index(after: colon)...].drop(while: { $0 == " " }).prefix(while: { $0.isNumber || $0 == "," })
            if let v = Int(digits.filter(\.isNumber)) { return .stat(key: key, value: v) }
        }
        return .message(String(line))
    }
}

/// What a checksum dry run (`rsync -n -c`) against the newest snapshot found. rsync exits 0
/// whatever it finds, so the itemized lines are the verdict (docs/DESIGN.md: rsync exit 0 is not proof).
public struct VerifyFindings: Sendable, Equatable {
    /// Same modification time on both sides but different content or size: the copy (or the
    /// original) changed without anything saying so. Each one fails the verification.
    public var mismatched: [String] = []
    /// Changed on the source since the snapshot (size or time differ): expected, not errors.
    public var changed: [String] = []
    public var changedSince: Int { changed.count }
    public var addedSince = 0
    public var deletedSince = 0

    public init() {}

    public mutating func add(_ line: RsyncLine) {
        switch line {
        case .item(let flags, _, let name):
            let f = Array(flags.utf8)
            guard f[1] == UInt8(ascii: "f") else { return }
            if flags.contains("+++++++++") { addedSince += 1; return }
            let checksum = f[2] == UInt8(ascii: "c"), size = f[3] == UInt8(ascii: "s"), time = f[4] == UInt8(ascii: "t")
            // Content or size changed while the time did not: nothing that changes a file
            // normally does that (bit rot, truncation, or a change that hid itself).
            if (checksum || size) && !time { mismatched.append(name) }
            else if checksum || size || time { changed.append(name) }
        case .deleting:
            deletedSince += 1
        case .stat, .message:
            break
        }
    }
}

/// rsync's exit codes (rsync(1), EXIT VALUES), and which of them still mean "backed up".
public enum RsyncExit {
    /// 0, and 24 (files vanished between listing and copying: normal on a live system).
    /// Not 23 (some files could not be read) nor 25: rsnapshot takes those as warnings,
    /// which is how backups silently miss files.
    public static func isSuccess(_ code: Int32) -> Bool { code == 0 || code == 24 }

    public static func meaning(_ code: Int32) -> String {
        switch code {
        case 0: return "success"
        case 1: return "syntax or usage error"
        case 2: return "protocol incompatibility"
        case 3: return "errors selecting input/output files or folders"
        case 5: return "error starting the client-server protocol"
        case 10: return "error in socket I/O"
        case 11: return "error in file I/O"
        case 12: return "error in the rsync protocol data stream (often: the remote command was refused, or the connection was lost)"
        case 20: return "interrupted (signal)"
        case 23: return "partial transfer: some files could not be read or written"
        case 24: return "some source files vanished during the transfer"
        case 25: return "the --max-delete limit stopped deletions"
        case 30: return "timeout in data send/receive"
        case 35: return "timeout waiting for the daemon connection"
        case 127: return "rsync not found on the source"
        case 255: return "ssh failed or its connection was lost (unreachable, refused, cut mid-transfer, or the key or host key was not accepted)"
        default: return code > 128 ? "killed by signal \(code - 128)" : "rsync error \(code)"
        }
    }
}
