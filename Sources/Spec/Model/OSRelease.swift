/// The operating systems gpucluster configures (`cluster.os`, and `os:` per host while a
/// cluster moves from one to the next). One owner for what differs between them that the
/// render, the lab and validation need; the roles read the rest from Ansible's facts
/// (`ansible_distribution_major_version`, `ansible_distribution_release`).
public enum OSRelease: String, Sendable, CaseIterable, Comparable {
    case debian12 = "debian-12"
    case debian13 = "debian-13"

    /// Debian's major version, as Ansible's `ansible_distribution_major_version` says it.
    public var major: Int {
        switch self {
        case .debian12: return 12
        case .debian13: return 13
        }
    }

    public var codename: String {
        switch self {
        case .debian12: return "bookworm"
        case .debian13: return "trixie"
        }
    }

    /// The system Python (`/usr/lib/pythonX.Y/EXTERNALLY-MANAGED` is where Debian's marker lives).
    public var systemPython: String {
        switch self {
        case .debian12: return "3.11"
        case .debian13: return "3.13"
        }
    }

    /// The branch Debian's own `nvidia-driver` packages (non-free): what `gpu.driver` means
    /// when the spec does not say (535.x in bookworm, 550.x in trixie).
    public var nvidiaDriverBranch: String {
        switch self {
        case .debian12: return "535"
        case .debian13: return "550"
        }
    }

    /// In words, for messages: "Debian 13 (trixie)".
    public var title: String { "Debian \(major) (\(codename))" }

    public static func < (a: OSRelease, b: OSRelease) -> Bool { a.major < b.major }

    /// The spec's words for the supported releases, for hints: "debian-12 or debian-13".
    public static var supportedList: String {
        allCases.map(\.rawValue).joined(separator: " or ")
    }
}
