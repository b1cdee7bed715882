import HostSystem

/// What the updates check (the updates role's `gpucluster-updates-check`, hourly and after
/// every package change) found: upgrades apt would install, how many from the security suite,
/// and whether the host needs a reboot. Read from its state file, `key value` lines; anything
/// unexpected is dropped, never trusted.
public struct UpdatesStatus: Sendable, Codable, Equatable {
    public var checkedAt: Double?
    public var pending: Int?
    public var security: Int?
    public var rebootRequired: Bool?
    /// Services still running replaced libraries (needrestart).
    public var servicesToRestart: Int?
    /// Packages that asked for the reboot (Debian's /run/reboot-required.pkgs), at most 20.
    public var rebootPackages: [String] = []

    public init() {}

    public static let maxFileBytes = 4096
    public static let defaultPath = "/var/lib/gpucluster/updates.state"

    public static func read(path: String) -> UpdatesStatus? {
        guard case .success(let data) = SmallFile.read(path, max: maxFileBytes) else { return nil }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// nil unless the text is a version 1 state file.
    public static func parse(_ text: String) -> UpdatesStatus? {
        var s = UpdatesStatus()
        var version: Int?
        for (key, value) in StateFileLines.pairs(text, maxLines: 32) {
            func count() -> Int? { StateFileLines.number(value, maxDigits: 7) }
            switch key {
            case "version": version = count()
            case "checked":
                if let t = StateFileLines.number(value, maxDigits: 12), t > 0 { s.checkedAt = Double(t) }
            case "pending": s.pending = count()
            case "security": s.security = count()
            case "services": s.servicesToRestart = count()
            case "reboot": s.rebootRequired = value == "1" ? true : value == "0" ? false : nil
            case "reboot_packages":
                s.rebootPackages = value.split(separator: " ").prefix(20).map(String.init).filter(Self.isPackageName)
            default: continue
            }
        }
        guard version == 1 else { return nil }
        if let p = s.pending, let sec = s.security, sec > p { s.security = p }
        return s
    }

    /// A Debian package name: 1…64 of lowercase letters, digits and `. + -` (safe to show anywhere).
    public static func isPackageName(_ p: String) -> Bool {
        !p.isEmpty && p.utf8.count <= 64 && p.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x2e || b == 0x2b || b == 0x2d
        }
    }

    /// "reboot required (linux-image-…) · 12 updates, 3 security" for people; nil when all is well.
    public var summary: String? {
        var parts: [String] = []
        if rebootRequired == true {
            parts.append("reboot required" + (rebootPackages.isEmpty ? "" : " (" + rebootPackages.prefix(3).joined(separator: ", ")
                                                                          + (rebootPackages.count > 3 ? ", …" : "") + ")"))
        }
        if let p = pending, p > 0 { parts.append("\(p) update\(p == 1 ? "" : "s")" + (security.map { $0 > 0 ? ", \($0) security" : "" } ?? "")) }
        if let n = servicesToRestart, n > 0 { parts.append("\(n) service\(n == 1 ? "" : "s") to restart") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
