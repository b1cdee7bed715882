/// The NVIDIA software stack compute hosts get (`gpu:` in cluster.yaml): where the driver comes
/// from, which branch or version, and whether the container toolkit is added. One owner for
/// what the driver role installs, pins and holds, and for what `plan` promises.
///
/// The driver never moves by itself: its packages are pinned to the spec's version and held,
/// and unattended-upgrades skips them. A driver change is a spec change, applied host by host
/// and followed by a reboot (the loaded kernel module keeps the old version until then, and
/// NVML answers "Driver/library version mismatch" to every job and to the agent).
public struct GPUStack: Sendable {
    public enum Source: String, Sendable, CaseIterable {
        /// Debian's contrib/non-free `nvidia-driver` (DKMS), from the Debian mirror.
        case debian
        /// NVIDIA's CUDA repository for Debian, signed by NVIDIA's key (pinned by fingerprint).
        case nvidia
    }

    /// A driver branch ("535") or an exact version ("535.261.03"). When the spec does not say
    /// (`driverGiven` false), each host's release decides (`on(_:)`).
    public var driver: Located<String>
    public var driverGiven = false
    public var source: Located<Source>
    /// NVIDIA Container Toolkit (`nvidia-ctk`), from NVIDIA's libnvidia-container repository.
    public var containers: Located<Bool>
    /// The Debian mirror contrib and non-free come from (source: debian).
    public var mirror: Located<String>

    public static let debianMirror = "http://deb.debian.org/debian"

    public static func defaults(at: SourceLocation) -> GPUStack {
        GPUStack(driver: Located(OSRelease.debian12.nvidiaDriverBranch, at: at), source: Located(.debian, at: at),
                 containers: Located(false, at: at), mirror: Located(debianMirror, at: at))
    }

    /// The stack as a host of `release` gets it: a driver the spec does not name is the branch
    /// that release's Debian packages (a trixie host gets 550, a bookworm one 535).
    public func on(_ release: OSRelease) -> GPUStack {
        guard !driverGiven else { return self }
        var g = self
        g.driver = Located(release.nvidiaDriverBranch, at: driver.at)
        return g
    }

    /// "535" or "535.261.03": digits and at most two dots, the first part three digits.
    public static func isDriverVersion(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts[0].count == 3 else { return false }
        return parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy { ("0"..."9").contains($0) } }
    }

    /// The branch ("535") of the spec's driver.
    public var branch: String { String(driver.value.split(separator: ".").first ?? Substring(driver.value)) }

    /// apt's version pattern for the pin: the branch, or the exact upstream version.
    public var pinVersion: String {
        driver.value.contains(".") ? "\(driver.value)-*" : "\(driver.value).*"
    }

    /// The same as a regular expression on apt's version strings.
    public var versionRegex: String {
        "^" + driver.value.replacingOccurrences(of: ".", with: "\\.") + (driver.value.contains(".") ? "-" : "\\.")
    }

    /// What the role asks apt for on every compute host. Debian: the DKMS driver and the
    /// headers of the running kernel it builds against; NVIDIA's repository names the branch.
    public func packages(nvswitch: Bool) -> [String] {
        var p: [String]
        switch source.value {
        case .debian: p = ["nvidia-driver", "nvidia-smi", "nvidia-persistenced", "firmware-misc-nonfree"]
        case .nvidia: p = ["cuda-drivers-\(branch)", "nvidia-persistenced"]
        }
        if nvswitch { p.append("nvidia-fabricmanager-\(branch)") }
        if containers.value { p.append("nvidia-container-toolkit") }
        return p
    }

    /// Packages held and kept out of unattended-upgrades: every package whose name says NVIDIA
    /// or CUDA (the driver's libraries carry the same version, and one moving alone breaks NVML).
    public static let heldNamePattern = "nvidia|cuda"
    /// unattended-upgrades' Package-Blacklist entries (regular expressions, from the start of the name).
    public static let unattendedBlacklist = ["nvidia-", "libnvidia-", "cuda-", "libcuda", "firmware-nvidia-", "xserver-xorg-video-nvidia"]

    /// NVIDIA's signing keys, pinned: the role refuses a downloaded key with another fingerprint.
    /// NVIDIA names its repository by release (`debian12`, `debian13`): the role fills in the
    /// host's major version from its facts.
    public static let cudaRepositoryKey = (url: "https://developer.download.nvidia.com/compute/cuda/repos/debian{{ ansible_distribution_major_version }}/x86_64/3bf863cc.pub",
                                           fingerprint: "EB693B3035CD5710E231E123A4B469963BF863CC")
    public static let cudaRepository = "https://developer.download.nvidia.com/compute/cuda/repos/debian{{ ansible_distribution_major_version }}/x86_64/"
    public static let containerToolkitKey = (url: "https://nvidia.github.io/libnvidia-container/gpgkey",
                                             fingerprint: "C95B321B61E88C1809C4F759DDCAE044F796ECB0")
    public static let containerToolkitRepository = "https://nvidia.github.io/libnvidia-container/stable/deb/amd64/"

    /// The Debian components the driver needs: nvidia-driver is in non-free, nvidia-persistenced
    /// in contrib, the GSP firmware in non-free-firmware.
    public static let debianComponents = ["contrib", "non-free", "non-free-firmware"]

    /// The deb822 sources file the role writes for source: debian (and the lab's base image
    /// fetches the index of, since lab hosts have no route out).
    public static func debianSources(mirror: String, release: String) -> String {
        """
        Types: deb
        URIs: \(mirror)
        Suites: \(release) \(release)-updates
        Components: \(debianComponents.joined(separator: " "))
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        """
    }

    /// In words, for `plan`.
    public func summary(nvswitch: Bool) -> String {
        var s = "NVIDIA driver \(driver.value) (\(source.value == .debian ? "Debian non-free" : "NVIDIA's repository"), pinned and held), persistence daemon"
        if nvswitch { s += ", fabric manager" }
        if containers.value { s += ", container toolkit" }
        return s
    }
}
