import HostSystem
import Foundation
import GPU
import Spec

/// The rehearsal cluster: every spec host as a booted Debian of its release (systemd-nspawn
/// on an overlay of that release's cached base) in its own network namespace, joined per spec network, plus
/// an `outside` namespace. Ansible runs from the bastion's seat (its network namespace), as
/// on the real cluster, reaching hosts as root with a key the lab made.
public struct Lab: Sendable {
    public var paths: LabPaths
    public var shell: any LabShell

    public init(paths: LabPaths, shell: any LabShell = SystemShell()) {
        self.paths = paths; self.shell = shell
    }

    public struct UpOptions: Sendable {
        public var mirror = "http://deb.debian.org/debian"
        /// The simulated libnvidia-ml.so.1 put on hosts with `gpus:` (nil: no GPUs in the lab).
        public var simulatedNVML: String?
        public var bootTimeout: Duration = .seconds(180)
        public init() {}
    }

    // MARK: up

    /// Builds the lab; on any failure tears down what it made unless `keep` is set.
    public func up(spec: ClusterSpec, specPath: String, options: UpOptions, keep: Bool, progress: (String) -> Void) throws -> LabState {
        try preflight()
        let layout = LabLayout(spec: spec)
        try refuseCollisions(layout)
        // One base per release some host runs (a mixed cluster boots both).
        var bases: [OSRelease: LabBaseImage] = [:]
        for release in Set(layout.hosts.map(\.release)).sorted() {
            let base = LabBaseImage(cacheDir: paths.cache, mirror: options.mirror, release: release)
            try base.ensure(shell: shell, progress: progress)
            bases[release] = base
        }
        do {
            return try build(layout, bases: bases, specPath: specPath, options: options, progress: progress)
        } catch {
            if keep {
                progress("lab up failed; --keep: leaving what was built for a look (`gpucluster lab down` removes it)")
            } else {
                progress("lab up failed; removing what was built")
                _ = try? down(progress: { _ in })
            }
            throw error
        }
    }

    func preflight() throws {
        guard geteuid() == 0 else { throw LabError("the lab needs root (network namespaces, overlay mounts, systemd-nspawn)") }
        for tool in ["ip", "systemd-nspawn", "nsenter", "ssh-keygen", "mount", "umount", "setsid"] where CommandRunner.which(tool) == nil {
            throw LabError("\(tool) not found (apt-get install \(SystemShell.package(tool)))")
        }
        if FileManager.default.fileExists(atPath: paths.stateFile) {
            throw LabError("a lab is already up (\(paths.stateFile)); `gpucluster lab down` first")
        }
        if let ns = try labNamespaces().first {
            throw LabError("network namespace \(ns) exists: a lab is half up; `gpucluster lab down` first")
        }
    }

    /// The lab uses the spec's own addresses inside its namespaces: refuse if one is already
    /// on this machine, where it would shadow or confuse the real one.
    func refuseCollisions(_ layout: LabLayout) throws {
        let out = try shell.must(["ip", "-o", "-4", "addr", "show"])
        let mine = Set(out.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let i = f.firstIndex(of: "inet"), i + 1 < f.count else { return nil }
            return String(f[i + 1].split(separator: "/")[0])
        })
        let clash = layout.addresses.filter(mine.contains)
        if !clash.isEmpty {
            throw LabError("address\(clash.count == 1 ? "" : "es") \(clash.joined(separator: ", ")) already on this machine: the lab would collide with a real network; use a spec with other addresses")
        }
    }

    func build(_ layout: LabLayout, bases: [OSRelease: LabBaseImage], specPath: String, options: UpOptions, progress: (String) -> Void) throws -> LabState {
        let fm = FileManager.default
        try fm.createDirectory(atPath: paths.hosts, withIntermediateDirectories: true)
        func base(_ n: LabLayout.Node) throws -> LabBaseImage {
            guard let b = bases[n.release] else { throw LabError("no base image for \(n.release.title)") }
            return b
        }
        var state = LabState(cluster: layout.cluster, spec: specPath, base: bases.values.map(\.root).sorted().joined(separator: " "),
                             bastion: layout.bastion?.name, hosts: [])
        for n in layout.nodes {
            state.hosts.append(.init(name: n.name, namespace: n.namespace, address: n.managementAddress,
                                     addresses: n.links.map(\.address), gpus: n.gpus, outside: n.isOutside))
        }
        try state.save(paths.stateFile)   // from here on, `down` knows what to remove

        progress("network: \(layout.bridges.count) network\(layout.bridges.count == 1 ? "" : "s"), \(layout.nodes.count) namespaces (no route out)")
        for c in layout.upCommands { try shell.must(c) }

        if !fm.fileExists(atPath: paths.adminKey) {
            try shell.must(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "gpucluster-lab-admin", "-f", paths.adminKey])
        }
        let adminPub = try String(contentsOfFile: paths.adminKey + ".pub", encoding: .utf8)
        var knownHosts = ""
        for n in layout.hosts {
            progress("\(n.name): root file system (overlay on the base)")
            let root = try HostRoot(paths: paths, name: n.name)
            try root.mount(base: try base(n).root, shell: shell)
            try root.prepare(node: n, adminKey: adminPub, shell: shell)
            if n.gpus > 0, let lib = options.simulatedNVML {
                try root.installSimulatedGPUs(count: n.gpus, library: lib, seed: n.name)
            }
            let hostKey = try root.hostKey()
            let names = ([n.name] + n.links.map { String($0.address.split(separator: "/")[0]) }).joined(separator: ",")
            knownHosts += "\(names) \(hostKey)\n"
        }
        try Data(knownHosts.utf8).write(to: URL(fileURLWithPath: paths.knownHosts))
        try Data(sshConfig.utf8).write(to: URL(fileURLWithPath: paths.sshConfig))
        try fm.createDirectory(atPath: paths.controlSockets, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])

        for n in layout.hosts {
            progress("\(n.name): booting \(n.release.title) (systemd-nspawn)")
            let root = try HostRoot(paths: paths, name: n.name)
            try root.boot(namespace: n.namespace, shell: shell)
        }
        for n in layout.hosts {
            let root = try HostRoot(paths: paths, name: n.name)
            // "offline": systemd has not opened its socket yet; ask again until the deadline.
            let deadline = ContinuousClock.now + options.bootTimeout
            var s = "offline", timedOut = false, why = ""
            while s == "offline" || s == "unknown" || s.isEmpty, ContinuousClock.now < deadline {
                let leader = try root.waitForLeader()
                let r = try shell.run(["nsenter", "-t", "\(leader)", "-a", "--", "systemctl", "is-system-running", "--wait"],
                                      timeout: deadline - ContinuousClock.now)
                s = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                timedOut = r.timedOut
                why = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                if s == "offline" || s.isEmpty { usleep(300_000) }
            }
            guard s == "running" || s == "degraded" else {
                throw LabError("\(n.name) did not finish booting (\(timedOut ? "timed out" : s) \(why)); its console: \(root.log)")
            }
            progress("\(n.name): up (\(s == "running" ? "all units running" : "some units failed: `gpucluster lab exec \(n.name) -- systemctl --failed`"))")
        }
        return state
    }

    /// ssh as root with the lab's key, host keys pinned from the hosts' own new keys.
    var sshConfig: String {
        """
        # Written by `gpucluster lab up`: the admin seat's way into the lab hosts.
        Host *
          User root
          IdentityFile \(paths.adminKey)
          IdentitiesOnly yes
          UserKnownHostsFile \(paths.knownHosts)
          StrictHostKeyChecking yes
          ConnectTimeout 10
          ControlPath \(paths.controlSockets)/%C

        """
    }

    /// The environment for Ansible (and ssh) run from the admin seat.
    public var adminEnvironment: [String: String] {
        // Ansible's ssh connections are shared through sockets in the lab's own folder: `down`
        // ends them, so a later lab never meets a stale one (a connection to a host that
        // vanished with its namespace hangs instead of failing).
        ["ANSIBLE_SSH_ARGS": "-F \(paths.sshConfig) -o ControlMaster=auto -o ControlPersist=60s",
         "ANSIBLE_SSH_CONTROL_PATH_DIR": paths.controlSockets,
         "ANSIBLE_REMOTE_USER": "root", "GPUCLUSTER_LAB_STATE": paths.state]
    }

    // MARK: down

    /// Removes everything the lab made: containers, mounts, namespaces (and with them every
    /// veth and bridge), the hosts' upper layers. Works from a half-built lab too.
    /// Returns the namespaces it removed (what `leftovers(of:)` checks).
    @discardableResult
    public func down(progress: (String) -> Void) throws -> Set<String> {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: paths.hosts)) ?? []).sorted()
        let own = ownNamespaces(hostNames: names)   // read before the state file goes
        var roots: [HostRoot] = []
        for name in names { if let r = try? HostRoot(paths: paths, name: name) { roots.append(r) } }
        // nspawn turns TERM into a clean shutdown; the lab is thrown away, so a short one.
        for r in roots { r.stop(signal: SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(10)
        while roots.contains(where: \.isRunning) && ContinuousClock.now < deadline { usleep(200_000) }
        for r in roots where r.isRunning {
            progress("\(r.name): did not shut down in 10 s; killing it")
            r.stop(signal: SIGKILL)
        }
        // Shared ssh connections into the lab (Ansible's, `lab ssh`'s) end with it.
        for p in HostRoot.sshMasters(under: paths.controlSockets) { kill(p, SIGTERM) }
        try? fm.removeItem(atPath: paths.controlSockets)
        rmdir((paths.controlSockets as NSString).deletingLastPathComponent)   // only if no other lab's is there
        // Anything still running in a host's root (an nspawn killed earlier, say) goes too.
        let stray = HostRoot.processes(under: paths.hosts)
        for p in stray { if let pid = pid_t(p.split(separator: " ")[1]) { kill(pid, SIGKILL) } }
        if !stray.isEmpty { usleep(500_000) }
        for r in roots {
            r.unmount(shell: shell)
            try? fm.removeItem(atPath: r.dir)
        }
        // Only this lab's namespaces: another `gcl-` namespace on this machine is not ours to remove.
        for ns in (try? labNamespaces()) ?? [] where own.contains(ns) { try shell.must(["ip", "netns", "delete", ns]) }
        for f in [paths.stateFile, paths.knownHosts, paths.sshConfig] { try? fm.removeItem(atPath: f) }
        progress("lab down: \(roots.count) host\(roots.count == 1 ? "" : "s") stopped, namespaces and mounts removed")
        return own
    }

    /// What is left of a lab on this machine (empty when none): for `down`'s own check.
    public func leftovers(of own: Set<String>? = nil) -> [String] {
        var left: [String] = []
        left += ((try? labNamespaces()) ?? []).filter { own?.contains($0) ?? true }.map { "netns \($0)" }
        let mounts = SmallFile.text("/proc/self/mounts", max: 4 << 20) ?? ""
        left += mounts.split(separator: "\n").compactMap { l in
            let f = l.split(separator: " ")
            return f.count > 1 && f[1].hasPrefix(paths.hosts) ? "mount \(f[1])" : nil
        }
        if FileManager.default.fileExists(atPath: paths.stateFile) { left.append("state \(paths.stateFile)") }
        left += HostRoot.processes(under: paths.hosts)
        return left
    }

    /// The namespaces this lab made: its switch and outside, one per host folder, and whatever
    /// its state file lists (a half-built lab has folders but maybe no state yet).
    /// An empty state folder owns nothing (the switch and outside names are the same for every
    /// lab, so they are only ours when this lab was at least partly built).
    func ownNamespaces(hostNames: [String]) -> Set<String> {
        let s = try? state()
        guard s != nil || !hostNames.isEmpty else { return [] }
        var own: Set<String> = [LabLayout.switchNamespace, LabLayout.prefix + "-" + LabLayout.outsideName]
        own.formUnion(hostNames.map { LabLayout.prefix + $0 })
        own.formUnion(s?.hosts.map(\.namespace) ?? [])
        return own
    }

    /// Network namespaces named like the lab's (`ip netns list` prints "NAME (id: N)").
    func labNamespaces() throws -> [String] {
        try shell.must(["ip", "netns", "list"]).split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(LabLayout.prefix) }
    }

    // MARK: status, exec

    public func state() throws -> LabState {
        guard FileManager.default.fileExists(atPath: paths.stateFile) else { throw LabError("no lab is up (`gpucluster lab up FILE`)") }
        return try LabState.load(paths.stateFile)
    }

    /// Host name → running or not.
    public func status() throws -> [(host: LabState.Host, running: Bool)] {
        try state().hosts.map { h in
            (h, h.outside ? FileManager.default.fileExists(atPath: "/run/netns/\(h.namespace)")
                          : ((try? HostRoot(paths: paths, name: h.name))?.isRunning ?? false))
        }
    }

    /// Kills one host at once, as if its power failed (its network namespace stays).
    public func powerOff(host: String) throws {
        let st = try state()
        guard let h = st.hosts.first(where: { $0.name == host && !$0.outside }) else { throw LabError("no lab host named \(host)") }
        let root = try HostRoot(paths: paths, name: h.name)
        guard root.isRunning else { throw LabError("\(host) is not running") }
        root.stop(signal: SIGKILL)
    }

    /// The argv that runs CMD inside HOST (all its namespaces; `outside` is a bare namespace).
    public func execArgv(host: String, command: [String]) throws -> [String] {
        let st = try state()
        guard let h = st.hosts.first(where: { $0.name == host }) else {
            throw LabError("no lab host named \(host) (hosts: \(st.hosts.map(\.name).joined(separator: ", ")))")
        }
        if h.outside { return ["ip", "netns", "exec", h.namespace] + command }
        let root = try HostRoot(paths: paths, name: host)
        guard root.isRunning, let leader = root.leader else { throw LabError("\(host) is not running") }
        return ["nsenter", "-t", "\(leader)", "-a", "--"] + command
    }

    /// The argv that runs CMD on this machine from the admin seat (the bastion's network).
    public func adminArgv(command: [String]) throws -> [String] {
        let st = try state()
        guard let b = st.bastion, let h = st.hosts.first(where: { $0.name == b }) else { throw LabError("the lab has no bastion") }
        return ["ip", "netns", "exec", h.namespace] + command
    }

    public func sshArgv(host: String, command: [String]) throws -> [String] {
        let st = try state()
        guard let h = st.hosts.first(where: { $0.name == host }), let addr = h.address else {
            throw LabError("no lab host named \(host) with an address the bastion reaches")
        }
        return try adminArgv(command: ["ssh", "-F", paths.sshConfig, addr] + command)
    }
}

/// Where the lab keeps things: the state (hosts' upper layers, keys) and the base cache.
public struct LabPaths: Sendable {
    public var state: String
    public var cache: String
    public init(state: String = "/var/lib/gpucluster/lab", cache: String = "/var/cache/gpucluster/lab") {
        self.state = state; self.cache = cache
    }
    public var stateFile: String { state + "/lab.json" }
    public var hosts: String { state + "/hosts" }
    public var adminKey: String { state + "/admin_ed25519" }
    public var knownHosts: String { state + "/known_hosts" }
    public var sshConfig: String { state + "/ssh_config" }
    /// ssh's shared connections (ControlPath, Ansible's control_path_dir). A Unix socket's path
    /// holds at most 107 bytes and ssh adds 57 to the folder (`%C`'s 40 hex digits and a
    /// temporary suffix), so they live in a short folder named after the state folder, not
    /// under it: under `/work/ci-clone/.build/lab-e2e-13/state` they did not fit.
    public var controlSockets: String {
        let absolute = state.hasPrefix("/") ? state : FileManager.default.currentDirectoryPath + "/" + state
        return "/run/gpucluster-lab/ssh-" + StableHash.hex(absolute.utf8)
    }
}

/// What `lab up` built, read by status, exec, ssh and down.
public struct LabState: Codable, Sendable {
    public struct Host: Codable, Sendable {
        public var name: String
        public var namespace: String
        /// Where the bastion reaches it (nil for `outside`).
        public var address: String?
        public var addresses: [String]
        public var gpus: Int
        public var outside: Bool
    }
    public var cluster: String
    public var spec: String
    public var base: String
    public var bastion: String?
    public var hosts: [Host]

    func save(_ path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func load(_ path: String) throws -> LabState {
        do { return try JSONDecoder().decode(LabState.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw LabError("\(path) is unreadable (\(error)); `gpucluster lab down` removes the lab anyway")
        }
    }
}
