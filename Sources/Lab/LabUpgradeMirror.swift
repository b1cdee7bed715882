import Foundation
import HostSystem
import Spec

/// What a lab host's major upgrade downloads, fetched once and cached: lab hosts have no route
/// out, so `gpucluster upgrade` rehearsed in the lab reads the new release from here, served
/// under Debian's own names inside the host's network namespace only.
///
/// Made from the older release's base image (an overlay, never written): its sources moved to
/// the new release as the upgrade moves them, `apt-get update`, then the full-upgrade's own
/// download (`--print-uris` says where each package lives). The tree is a real mirror subset:
/// Debian's signed InRelease files and indexes as apt fetched them and the packages at their
/// pool paths, so apt on the host verifies everything with Debian's keys as it would online.
public struct LabUpgradeMirror: Sendable {
    public var base: LabBaseImage
    public var to: OSRelease

    public init(base: LabBaseImage, to: OSRelease) { self.base = base; self.to = to }

    /// The Debian hosts the tree answers for (the spec's default mirrors).
    public static let names = ["deb.debian.org", "security.debian.org"]

    /// One folder per base image and target.
    public var root: String {
        let h = StableHash.fnv1a((base.root + "\n" + sourcesList + driverSources).utf8)
        return "\(base.cacheDir)/upgrade-\(base.suite)-to-\(to.codename)-\(String(h, radix: 16).prefix(10))"
    }
    /// What the HTTP server serves: `debian/…` (deb.debian.org) and `debian-security/…`.
    public var www: String { root + "/www" }
    public var isCached: Bool { FileManager.default.fileExists(atPath: root + "/.gpucluster-complete") }

    /// The sources the upgraded host reads: Debian's sources.list and the roles' files (the
    /// driver role's contrib and non-free with -updates, the updates role's security suite),
    /// with the codename switched, from the same owners the roles render them from.
    var sourcesList: String {
        "deb http://deb.debian.org/debian \(to.codename) main\ndeb \(UpdatesPolicy.debianSecurity) \(to.codename)-security main\n"
    }
    var driverSources: String { GPUStack.debianSources(mirror: "http://deb.debian.org/debian", release: to.codename) }

    public func ensure(shell: any LabShell, progress: (String) -> Void) throws {
        if isCached { progress("upgrade mirror: cached at \(root)"); return }
        guard base.isCached else { throw LabError("the \(base.suite) base image is not built yet") }
        let fm = FileManager.default
        let work = root + ".partial"
        if fm.fileExists(atPath: work + "/merged") { _ = try? shell.must(["umount", work + "/merged"]) }
        try? fm.removeItem(atPath: work)
        for d in ["upper", "work", "merged", "www"] { try fm.createDirectory(atPath: "\(work)/\(d)", withIntermediateDirectories: true) }
        let merged = work + "/merged"
        try shell.must(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=\(base.root),upperdir=\(work)/upper,workdir=\(work)/work", merged])
        defer { _ = try? shell.must(["umount", merged]) }
        for f in (try? fm.contentsOfDirectory(atPath: merged + "/etc/apt/sources.list.d")) ?? [] {
            try fm.removeItem(atPath: merged + "/etc/apt/sources.list.d/" + f)
        }
        try Data(sourcesList.utf8).write(to: URL(fileURLWithPath: merged + "/etc/apt/sources.list"))
        try Data(driverSources.utf8).write(to: URL(fileURLWithPath: merged + "/etc/apt/sources.list.d/gpucluster-nvidia-debian.sources"))
        if let resolv = try? Data(contentsOf: URL(fileURLWithPath: "/etc/resolv.conf")) {
            try? fm.removeItem(atPath: merged + "/etc/resolv.conf")
            try resolv.write(to: URL(fileURLWithPath: merged + "/etc/resolv.conf"))
        }
        progress("upgrade mirror: \(to.title)'s package lists (for a \(base.suite) host's upgrade)")
        try shell.must(["chroot", merged, "apt-get", "-q", "update"], timeout: .seconds(600))
        let uris = try shell.must(["chroot", merged, "apt-get", "-q", "-y", "--print-uris", "full-upgrade"], timeout: .seconds(300))
        progress("upgrade mirror: downloading what the upgrade installs")
        try shell.must(["chroot", merged, "apt-get", "-q", "-y", "--download-only", "full-upgrade"], timeout: .seconds(1200))

        let www = work + "/www"
        var packages = 0
        for line in uris.split(separator: "\n") where line.hasPrefix("'") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let path = Self.mirrorPath(url: String(fields[0].dropFirst().dropLast())) else { continue }
            let file = String(fields[1])
            guard !file.contains("/"), !file.hasPrefix(".") else { continue }
            try copy(merged + "/var/cache/apt/archives/" + file, to: www + "/" + path)
            packages += 1
        }
        // apt keeps each index as fetched, named by its URL (`host_path_with_underscores`); the
        // uncompressed files are listed in the signed InRelease, so apt takes them after the
        // compressed ones it asks for first are not found.
        let lists = merged + "/var/lib/apt/lists"
        for f in try fm.contentsOfDirectory(atPath: lists) where f.contains("_dists_") {
            guard let path = Self.listPath(f) else { continue }
            try copy(lists + "/" + f, to: www + "/" + path)
        }
        guard packages > 0 else { throw LabError("upgrade mirror: apt listed nothing to download for \(base.suite) → \(to.codename)") }
        try? fm.removeItem(atPath: root)
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try fm.moveItem(atPath: www, toPath: self.www)
        try Data("done\n".utf8).write(to: URL(fileURLWithPath: root + "/.gpucluster-complete"))
        _ = try? shell.must(["umount", merged])
        try? fm.removeItem(atPath: work)
        progress("upgrade mirror: \(packages) packages ready at \(root)")
    }

    func copy(_ from: String, to: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? fm.removeItem(atPath: to)
        try fm.copyItem(atPath: from, toPath: to)
    }

    /// `http://deb.debian.org/debian/pool/main/a/adduser/adduser_3.152_all.deb` → `debian/pool/…`
    /// (percent escapes decoded), for the mirror's two hosts only; nil for anything else.
    static func mirrorPath(url: String) -> String? {
        guard let u = URLComponents(string: url), let host = u.host, names.contains(host) else { return nil }
        let path = u.path   // decoded
        guard path.hasPrefix("/debian/") || path.hasPrefix("/debian-security/"), !path.contains("/../"), !path.contains("\0") else { return nil }
        return String(path.dropFirst())
    }

    /// apt's list file name → its path in the mirror: `deb.debian.org_debian_dists_trixie_InRelease`
    /// → `debian/dists/trixie/InRelease` (apt writes `_` in a path as `%5f`).
    static func listPath(_ name: String) -> String? {
        guard let host = names.first(where: { name.hasPrefix($0 + "_") }) else { return nil }
        let rest = name.dropFirst(host.count + 1).replacingOccurrences(of: "_", with: "/")
        guard let path = rest.removingPercentEncoding, !path.contains(".."), path.hasPrefix("debian") else { return nil }
        return path
    }
}

extension Lab {
    /// Serves `mirror` to one host under Debian's names: an HTTP server on the host's own
    /// loopback (inside its network namespace; nothing else can reach it), and those names
    /// pointed there in the host's /etc/hosts (the next apply writes /etc/hosts back). Stop the
    /// returned process when done.
    public func serveUpgradeMirror(_ mirror: LabUpgradeMirror, host: String, maxSeconds: Int = 3600) throws -> ChildProcess {
        let st = try state()
        guard let h = st.hosts.first(where: { $0.name == host && !$0.outside }) else { throw LabError("no lab host named \(host)") }
        guard let ip = CommandRunner.which("ip"), let python = CommandRunner.which("python3") else { throw LabError("ip or python3 not found") }
        // `timeout`: a server whose owner died does not serve on for ever.
        guard let timeout = CommandRunner.which("timeout") else { throw LabError("timeout not found (coreutils)") }
        let server = try ChildProcess(ip, ["netns", "exec", h.namespace, timeout, String(max(1, maxSeconds)), python, "-m", "http.server", "80",
                                           "--bind", "127.0.0.1", "--directory", mirror.www],
                                      environment: ProcessInfo.processInfo.environment, logFile: paths.state + "/upgrade-mirror-\(host).log")
        let line = "127.0.0.1 " + LabUpgradeMirror.names.joined(separator: " ")
        try shell.must(try execArgv(host: host, command: ["sh", "-c", "grep -qxF \"$1\" /etc/hosts || echo \"$1\" >> /etc/hosts", "sh", line]))
        return server
    }
}
