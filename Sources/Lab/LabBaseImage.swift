import HostSystem
import Spec
import Foundation

/// The root file system lab hosts of one Debian release boot from, made once by debootstrap
/// and cached; each host gets an overlayfs upper layer on top, so the cache is never written.
///
/// Lab hosts have no route out, so whatever the roles install is already here (the roles'
/// `apt: state=present` then finds it installed, as on a machine with a local mirror).
public struct LabBaseImage: Sendable {
    /// What the generated roles install, plus what Ansible needs on a target (python3-apt).
    public static let packages = [
        "openssh-server", "python3", "python3-apt", "python3-venv", "sudo", "iptables", "ufw", "rsyslog", "rsync",
        "systemd", "systemd-sysv", "dbus", "chrony", "smartmontools", "nfs-kernel-server", "nfs-common",
        "prometheus", "prometheus-alertmanager", "prometheus-node-exporter", "git", "curl", "iproute2", "ca-certificates", "procps", "libsqlite3-0", "logrotate",
        "unattended-upgrades", "needrestart", "fail2ban", "python3-systemd",
    ]

    /// Services the packages enable that only the roles' hosts should run.
    static let roleServices = ["prometheus.service", "prometheus-alertmanager.service", "prometheus-node-exporter.service", "nfs-server.service",
                               "fail2ban.service"]

    public var cacheDir: String
    public var mirror: String
    public var release: OSRelease
    /// debootstrap's suite: the release's codename.
    public var suite: String { release.codename }

    public init(cacheDir: String, mirror: String = "http://deb.debian.org/debian", release: OSRelease = .debian12) {
        self.cacheDir = cacheDir; self.mirror = mirror; self.release = release
    }

    /// One folder per package list, so a changed list builds a new base.
    public var root: String {
        let h = StableHash.fnv1a((suite + " " + Self.packages.joined(separator: ",") + " lists " + GPUStack.debianComponents.joined(separator: ",")).utf8)
        return "\(cacheDir)/base-\(suite)-\(String(h, radix: 16).prefix(10))"
    }

    public var isCached: Bool { FileManager.default.fileExists(atPath: root + "/.gpucluster-complete") }

    /// Builds the base unless cached. `progress` gets one line per step debootstrap reports.
    public func ensure(shell: any LabShell, progress: (String) -> Void) throws {
        if isCached { progress("base image: cached at \(root)"); return }
        guard let debootstrap = CommandRunner.which("debootstrap") else { throw LabError("debootstrap not found (apt-get install debootstrap)") }
        let tmp = root + ".partial"
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        progress("base image: debootstrap \(suite) with \(Self.packages.count) packages (about a minute, once)")
        var stage = "", count = 0
        var tail: [String] = []
        let rc = try CommandRunner.streamLines(debootstrap, ["--variant=minbase", "--include=" + Self.packages.joined(separator: ","),
                                                            suite, tmp, mirror],
                                               environment: ProcessInfo.processInfo.environment) { line in
            tail = Array((tail + [String(line)]).suffix(20))
            guard line.hasPrefix("I: ") else { return }
            let words = line.dropFirst(3).split(separator: " ")
            let step = String(words.first ?? "")
            if step != stage { stage = step; count = 0; progress("base image: \(line.dropFirst(3))") }
            count += 1
            if count % 50 == 0 { progress("base image: \(stage) … \(count)") }
        }
        guard rc == 0 else {
            throw LabError("debootstrap failed (exit \(rc)); last lines:\n" + tail.joined(separator: "\n"))
        }
        try fetchDriverIndex(tmp, shell: shell, progress: progress)
        // Every host makes its own identity at `lab up`: no shared SSH host keys or machine id.
        for f in (try? FileManager.default.contentsOfDirectory(atPath: tmp + "/etc/ssh")) ?? [] where f.hasPrefix("ssh_host_") {
            try FileManager.default.removeItem(atPath: tmp + "/etc/ssh/" + f)
        }
        try Data().write(to: URL(fileURLWithPath: tmp + "/etc/machine-id"))
        // Installed on every host, run only where a role says so (as on a fresh machine
        // whose admin has not yet applied the monitor or NFS roles).
        _ = try? shell.must(["systemctl", "--root=\(tmp)", "disable"] + Self.roleServices)
        try Data("done\n".utf8).write(to: URL(fileURLWithPath: tmp + "/.gpucluster-complete"))
        try FileManager.default.moveItem(atPath: tmp, toPath: root)
        progress("base image: ready at \(root)")
    }

    /// apt's index of contrib, non-free and non-free-firmware, fetched now: lab hosts have no
    /// route out, and the driver role resolves the NVIDIA package set from it (apt's
    /// simulation), as a host whose installer enabled non-free would. The extra sources file
    /// is removed again, so the role adds the components itself; apt keeps the lists.
    func fetchDriverIndex(_ tmp: String, shell: any LabShell, progress: (String) -> Void) throws {
        progress("base image: apt's index of \(GPUStack.debianComponents.joined(separator: ", ")) (for the driver role's simulation)")
        let extra = tmp + "/etc/apt/sources.list.d/gpucluster-lab-index.sources"
        try Data(GPUStack.debianSources(mirror: mirror, release: suite).utf8).write(to: URL(fileURLWithPath: extra))
        let resolv = tmp + "/etc/resolv.conf"
        let hadResolv = FileManager.default.fileExists(atPath: resolv)
        if !hadResolv, let host = try? Data(contentsOf: URL(fileURLWithPath: "/etc/resolv.conf")) { try host.write(to: URL(fileURLWithPath: resolv)) }
        defer {
            try? FileManager.default.removeItem(atPath: extra)
            if !hadResolv { try? FileManager.default.removeItem(atPath: resolv) }
        }
        _ = try shell.must(["chroot", tmp, "apt-get", "-q", "update"], timeout: .seconds(300))
    }
}
