import HostSystem
import Foundation
import GPU

/// One lab host on disk and as a process: `hosts/NAME/{upper,work,root}` (root is the overlay
/// of the cached base), the nspawn process (`nspawn.pid`) and its console log.
struct HostRoot: Sendable {
    let name: String
    let dir: String

    init(paths: LabPaths, name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 63,
              name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            throw LabError("not a lab host name: \(name.debugDescription)")
        }
        self.name = name
        dir = paths.hosts + "/" + name
    }

    var root: String { dir + "/root" }
    var log: String { dir + "/console.log" }
    var pidFile: String { dir + "/nspawn.pid" }

    func mount(base: String, shell: any LabShell) throws {
        for d in ["upper", "work", "root"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(d)", withIntermediateDirectories: true)
        }
        try shell.must(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=\(base),upperdir=\(dir)/upper,workdir=\(dir)/work", root])
    }

    func unmount(shell: any LabShell) {
        let mounts = SmallFile.text("/proc/self/mounts", max: 4 << 20) ?? ""
        if mounts.split(separator: "\n").contains(where: { $0.split(separator: " ").dropFirst().first == Substring(root) }) {
            if (try? shell.must(["umount", root])) == nil { _ = try? shell.must(["umount", "-l", root]) }
        }
    }

    /// The host's own identity and the admin's way in, written into the upper layer before boot.
    func prepare(node: LabLayout.Node, adminKey: String, shell: any LabShell) throws {
        try write("/etc/hostname", node.name + "\n")
        try write("/etc/machine-id", Self.randomHex(16) + "\n")
        try write("/root/.ssh/authorized_keys", adminKey, mode: 0o600, dirMode: 0o700)
        try shell.must(["ssh-keygen", "-A", "-f", root])   // this host's own SSH host keys
        // No route out: the packages are in the base already. A fresh cache stamp keeps
        // `apt: update_cache, cache_valid_time` from trying the (unreachable) mirror.
        try write("/var/lib/apt/periodic/update-success-stamp", "")
    }

    /// The simulated GPUs: the library where the agent's unit finds it (a drop-in, like a
    /// driver install would add), and a scenario of `count` idle GPUs with this host's UUIDs.
    func installSimulatedGPUs(count: Int, library: String, seed: String) throws {
        let lib = try Data(contentsOf: URL(fileURLWithPath: library))
        try FileManager.default.createDirectory(atPath: root + "/usr/local/lib/gpucluster-sim", withIntermediateDirectories: true)
        try lib.write(to: URL(fileURLWithPath: root + "/usr/local/lib/gpucluster-sim/libnvidia-ml.so.1"))
        var h: UInt32 = 2166136261
        for b in seed.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let scenario = SimScenario.uniform(count: count, seed: String(String(h, radix: 16).prefix(4)).padding(toLength: 4, withPad: "0", startingAt: 0))
        try write("/etc/gpucluster/lab-gpus.scenario", scenario.text)
        // The simulated kernel module's version, as /proc/driver/nvidia/version says it (the
        // same as the simulated library's, until a test makes them disagree).
        try write(Self.simulatedModuleVersionFile, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  \(Self.simulatedDriverVersion)  (gpucluster lab: simulated)\n")
        try write("/etc/systemd/system/gpucluster-agent.service.d/lab-gpus.conf", """
            # gpucluster lab: this host's GPUs are simulated (same C ABI as libnvidia-ml).
            [Service]
            Environment=LD_LIBRARY_PATH=/usr/local/lib/gpucluster-sim
            Environment=GPUCLUSTER_SIM_SCENARIO=/etc/gpucluster/lab-gpus.scenario
            Environment=GPUCLUSTER_DRIVER_VERSION_FILE=\(Self.simulatedModuleVersionFile)

            """)
    }

    static let simulatedModuleVersionFile = "/etc/gpucluster/lab-driver-version"
    /// The simulated library's default driver version (simnvml's `driver`).
    static let simulatedDriverVersion = "535.129.03"

    func hostKey() throws -> String {
        let pub = try String(contentsOfFile: root + "/etc/ssh/ssh_host_ed25519_key.pub", encoding: .utf8)
        let f = pub.split(separator: " ")
        guard f.count >= 2 else { throw LabError("\(name): unreadable host key") }
        return "\(f[0]) \(f[1])"
    }

    /// Starts systemd-nspawn detached (its own session), console to `console.log`. A reboot
    /// inside the host (nspawn exits 133, as systemd-nspawn@.service's RestartForceExitStatus
    /// knows) starts it again, as a machine would come back: `gpucluster upgrade` reboots
    /// hosts. The pid file names nspawn itself, so stopping signals it, not the loop.
    func boot(namespace: String, shell: any LabShell) throws {
        guard let nspawn = CommandRunner.which("systemd-nspawn") else { throw LabError("systemd-nspawn not found") }
        let script = "pf=$1; log=$2; shift 2; exec > /dev/null 2>&1 < /dev/null; while :; do \"$@\" >> \"$log\" 2>&1 < /dev/null & echo $! > \"$pf\"; wait $!; [ $? -eq 133 ] || break; done"
        try shell.must(["setsid", "-f", "/bin/sh", "-c", script, "sh", pidFile, log,
                        // /proc/sys/net writable, as on a real host: the kernel baseline's network settings.
                        "/usr/bin/env", "SYSTEMD_NSPAWN_API_VFS_WRITABLE=network",
                        nspawn, "-D", root, "--network-namespace-path=/run/netns/\(namespace)", "-b",
                        "--register=no", "--keep-unit", "-M", name, "--console=passive",
                        // The host's own namespace, so its firewall may be managed (ufw needs it).
                        "--capability=CAP_NET_ADMIN"])
    }

    var pid: pid_t? {
        guard let s = SmallFile.text(pidFile, max: 64), let p = pid_t(s.trimmingCharacters(in: .whitespacesAndNewlines)), p > 1 else { return nil }
        // Only if that pid is still our nspawn (pids are reused).
        guard let cmd = SmallFile.text("/proc/\(p)/cmdline"), cmd.contains("systemd-nspawn"), cmd.contains(root) else { return nil }
        return p
    }

    var isRunning: Bool { pid != nil }

    /// The container's init (systemd) as this machine sees it: nspawn's child.
    var leader: pid_t? {
        guard let p = pid, let kids = SmallFile.text("/proc/\(p)/task/\(p)/children") else { return nil }
        for k in kids.split(separator: " ").compactMap({ pid_t($0) }) {
            // Exactly "systemd": nspawn's own intermediate child is "systemd-nspawn".
            if let comm = SmallFile.text("/proc/\(k)/comm"),
               comm.trimmingCharacters(in: .whitespacesAndNewlines) == "systemd" { return k }
        }
        return nil
    }

    func waitForLeader() throws -> pid_t {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let l = leader { return l }
            usleep(100_000)
        }
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(10).joined(separator: "\n")
        throw LabError("\(name): systemd did not start in its container; console:\n\(tail)")
    }

    /// Signals nspawn; SIGKILL also kills the container's init, which takes every process of
    /// the container with it (killing nspawn alone would leave them running, orphaned).
    func stop(signal: Int32) {
        let containerInit = leader
        if let p = pid { kill(p, signal) }
        if signal == SIGKILL, let l = containerInit { kill(l, SIGKILL) }
    }

    /// ssh connection masters ("ssh: DIR/HASH [mux]") whose socket is in `dir`.
    static func sshMasters(under dir: String) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { p in
            guard let pid = pid_t(p), let cmd = SmallFile.text("/proc/\(p)/cmdline"),
                  cmd.hasPrefix("ssh: " + dir + "/") else { return nil }
            return pid
        }
    }

    /// Processes still running inside a lab host's root (the leftovers check): any process
    /// whose root directory, or nspawn whose command line, is under `hostsDir`.
    static func processes(under hostsDir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { p in
            guard Int(p) != nil else { return nil }
            if let root = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p)/root"), root.hasPrefix(hostsDir + "/") {
                return "pid \(p) in \(root)"
            }
            if let cmd = SmallFile.text("/proc/\(p)/cmdline"), cmd.contains("systemd-nspawn"),
               cmd.contains(hostsDir + "/") {
                return "nspawn pid \(p)"
            }
            return nil
        }
    }

    private func write(_ path: String, _ text: String, mode: Int = 0o644, dirMode: Int = 0o755) throws {
        let full = root + path
        let parent = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: dirMode])
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    static func randomHex(_ bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }
}
