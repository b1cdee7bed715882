/// The command a backup pull starts on the source, as rsync itself builds it: what the backup
/// account's sudoers entry must list, exactly (docs/DESIGN.md: never `rsync --server --sender *`,
/// which lets the caller write and delete as root).
///
/// `gpucluster backup` pulls with `rsync -aRHAX --numeric-ids` (hard links, ACLs and extended
/// attributes kept), verifies with `-n -c` added, and re-checks what a run copied with
/// `-n -aR`; rsync 3.2 and later (Debian 12) turn those into the strings below. A test records
/// what the installed rsync really sends and compares.
public enum RsyncServerCommand {
    public static let rsync = "/usr/bin/rsync"
    /// Short options of the pull: `-a` (`logDtpr`) with `-H` (hard links), `-A` (ACLs), `-X`
    /// (extended attributes), `-R`, then the capability string.
    public static let pullFlags = "-lHogDtpAXrRe.iLsfxCIvu"
    /// The verification: dry run (`n`) and checksums (`c`).
    public static let verifyFlags = "-nlHogDtpAXrcRe.iLsfxCIvu"
    /// The re-check after a run: a dry run comparing size and time only (`-n -aR`), which reads
    /// metadata the pull line already sends, never file contents (no `c`).
    public static let recheckFlags = "-nlogDtprRe.iLsfxCIvu"

    public static func pull(paths: [String]) -> String { line(pullFlags, paths) }
    public static func verify(paths: [String]) -> String { line(verifyFlags, paths) }
    public static func recheck(paths: [String]) -> String { line(recheckFlags, paths) }
    /// The lines the backup account's sudoers must list, in this order.
    public static func all(paths: [String]) -> [String] { [pull(paths: paths), verify(paths: paths), recheck(paths: paths)] }

    static func line(_ flags: String, _ paths: [String]) -> String {
        ([rsync, "--server", "--sender", flags, "--numeric-ids", "."] + paths).joined(separator: " ")
    }

    /// Paths that can go into a sudoers line and rsync's remote command unchanged: absolute,
    /// `[A-Za-z0-9._/+-]` only, no `..` (rsync would escape anything else, and the sudoers
    /// line would no longer match).
    public static func isPlainAbsolutePath(_ p: String) -> Bool {
        p.hasPrefix("/") && p.utf8.count <= 1024 && !p.split(separator: "/").contains("..")
            && p.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._/+-".unicodeScalars.contains($0)) }
    }
}
