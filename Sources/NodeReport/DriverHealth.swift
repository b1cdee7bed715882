/// Whether the NVIDIA driver stack can serve jobs: the library and the loaded kernel module
/// agree (after a driver upgrade without a reboot they do not, and NVML answers every caller
/// "Driver/library version mismatch"), the module is loaded, persistence mode is on, and on
/// NVSwitch systems the fabric manager runs. The NVML backend fills what NVML's answer says;
/// the agent's `driver` collector adds the module's version, persistence and the fabric manager.
public struct DriverHealth: Sendable, Codable, Equatable {
    public enum Problem: String, Sendable, Codable, CaseIterable {
        /// The library is another version than the loaded module: a reboot loads the new one.
        case versionMismatch = "version_mismatch"
        case moduleNotLoaded = "module_not_loaded"
        case persistenceOff = "persistence_off"
        case fabricManagerDown = "fabric_manager_down"
    }

    public var problems: [Problem] = []
    /// The kernel module's version (/proc/driver/nvidia/version).
    public var loadedVersion: String?
    /// The installed library's version (from NVML's own version string).
    public var libraryVersion: String?
    public var persistenceOffGPUs: [Int] = []
    /// NVSwitch host: the fabric manager must run.
    public var fabricManagerExpected = false

    public init(problems: [Problem] = [], loadedVersion: String? = nil, libraryVersion: String? = nil) {
        self.problems = problems; self.loadedVersion = loadedVersion; self.libraryVersion = libraryVersion
    }

    public var needsReboot: Bool { problems.contains(.versionMismatch) }

    /// "needs reboot: driver 550.54.14 loaded, 550.90.07 installed", for the board and node page.
    public var summary: String? {
        let parts = problems.map { p -> String in
            switch p {
            case .versionMismatch:
                return "needs reboot: driver \(loadedVersion ?? "?") loaded, \(libraryVersion ?? "?") installed"
            case .moduleNotLoaded: return "NVIDIA kernel module not loaded"
            case .persistenceOff:
                return "persistence mode off" + (persistenceOffGPUs.isEmpty ? "" : " on GPU " + persistenceOffGPUs.map(String.init).joined(separator: ", "))
            case .fabricManagerDown: return "fabric manager not running (NVSwitch)"
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    public static let moduleVersionFile = "/proc/driver/nvidia/version"

    /// The version in the module's proc file: "NVRM version: NVIDIA UNIX x86_64 Kernel Module
    /// 550.54.14  Thu Feb 22 …" or "… Open Kernel Module for x86_64  550.54.14  Release Build …".
    public static func moduleVersion(fromProcText text: String) -> String? {
        guard let line = text.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("NVRM version:") else { return nil }
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let module = words.indices.first(where: { words[$0] == "Module" && $0 > 0 && words[$0 - 1] == "Kernel" }) else { return nil }
        return words[(module + 1)...].first(where: isVersion)
    }

    /// "12.550.90.07" (CUDA's major, then the driver's version) → "550.90.07".
    public static func libraryVersion(fromNVMLVersion v: String) -> String? {
        let parts = v.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let driver = parts.dropFirst().joined(separator: ".")
        return isVersion(driver) ? driver : nil
    }

    /// Two to four groups of at most four digits: what a driver version looks like (anything
    /// else from a file or a library is not shown).
    public static func isVersion(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return (2...4).contains(parts.count) && parts.allSatisfy { p in (1...4).contains(p.count) && p.allSatisfy { ("0"..."9").contains($0) } }
    }
}
