import HostSystem
import ArgumentParser
import Foundation
import Lab
import Spec

/// `gpucluster lab …`: the rehearsal cluster on this machine.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Rehearse the cluster on this machine: each host a booted Debian (its release from the spec) on its own virtual networks.",
        discussion: """
        Needs root, systemd-nspawn (systemd-container), debootstrap and iproute2. The lab uses
        the spec's own addresses, only inside network namespaces it creates, with no route out.
        Ansible and ssh run from the admin seat (`lab admin -- CMD`: the bastion's network).
        """,
        subcommands: [Up.self, Down.self, Status.self, Exec.self, SSH.self, Admin.self, Stop.self, Mirror.self])

    struct Dirs: ParsableArguments {
        @Option(help: "Where the lab keeps its hosts, keys and state.") var stateDir = "/var/lib/gpucluster/lab"
        @Option(help: "Where the Debian base image is cached.") var cacheDir = "/var/cache/gpucluster/lab"
        var lab: Lab { Lab(paths: LabPaths(state: stateDir, cache: cacheDir)) }
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build and boot every host of the spec.")
        @Argument(help: "The spec file.") var file = "cluster.yaml"
        @OptionGroup var dirs: Dirs
        @Option(help: "Debian mirror for the base image (fetched once, then cached).") var mirror = "http://deb.debian.org/debian"
        @Option(help: "The simulated libnvidia-ml.so.1 for hosts with `gpus:` (scripts/build-simnvml DIR).") var simulatedNvml: String?
        @Flag(help: "If building fails, leave what was built for a look (`lab down` removes it).") var keep = false

        func run() throws {
            let input = try SpecInput.load(file)
            guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
            if let lib = simulatedNvml, !FileManager.default.fileExists(atPath: lib) {
                throw ValidationError("--simulated-nvml \(lib): no such file (scripts/build-simnvml DIR makes it)")
            }
            var options = Lab.UpOptions()
            options.mirror = mirror
            options.simulatedNVML = simulatedNvml
            let start = ContinuousClock.now
            let state = try reportingLabErrors("lab up") {
                try dirs.lab.up(spec: spec, specPath: URL(fileURLWithPath: file).standardized.path, options: options, keep: keep) {
                    printError("lab: \($0)")
                }
            }
            let secs = (ContinuousClock.now - start).components.seconds
            print("lab \(state.cluster) up in \(secs) s: \(state.hosts.filter { !$0.outside }.count) hosts")
            printTable(state.hosts.map { (host: $0, running: true) })
            print("Ansible from the admin seat: gpucluster lab admin -- gpucluster apply --project DIR")
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop every host and remove the lab (containers, namespaces, mounts).")
        @OptionGroup var dirs: Dirs

        func run() throws {
            let lab = dirs.lab
            let own = try reportingLabErrors("lab down") { try lab.down { printError("lab: \($0)") } }
            let left = lab.leftovers(of: own)
            guard left.isEmpty else {
                printError("lab down: still there: \(left.joined(separator: "; "))")
                throw ExitCode(1)
            }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull the plug on one lab host (rehearse a node dying mid-apply).")
        @OptionGroup var dirs: Dirs
        @Argument(help: "The lab host.") var host: String

        func run() throws {
            try reportingLabErrors("lab stop") { try dirs.lab.powerOff(host: host) }
        }
    }

    struct Mirror: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve one lab host the packages of its major upgrade (rehearse gpucluster upgrade; lab hosts have no route out).",
            discussion: """
            Fetches once (cached beside the base images) what a host of the older release downloads to \
            upgrade, as a Debian mirror subset with Debian's signed indexes, and serves it to HOST alone \
            under deb.debian.org and security.debian.org (its /etc/hosts; an HTTP server on its own \
            loopback, inside its network namespace). Runs until stopped, or --seconds.
            """)
        @OptionGroup var dirs: Dirs
        @Argument(help: "The lab host to serve.") var host: String
        @Option(help: "The release the host runs now.") var from = "debian-12"
        @Option(help: "The release it moves to.") var to = "debian-13"
        @Option(help: "Debian mirror to fetch from (once).") var mirror = "http://deb.debian.org/debian"
        @Option(help: "Stop serving after this many seconds.") var seconds = 3600

        func validate() throws {
            guard let f = OSRelease(rawValue: from), let t = OSRelease(rawValue: to), t.major == f.major + 1 else {
                throw ValidationError("--from and --to must be consecutive releases (\(OSRelease.supportedList))")
            }
            guard (1...86400).contains(seconds) else { throw ValidationError("--seconds must be 1…86400") }
        }

        func run() throws {
            guard let f = OSRelease(rawValue: from), let t = OSRelease(rawValue: to) else { return }
            let lab = dirs.lab
            let m = LabUpgradeMirror(base: LabBaseImage(cacheDir: dirs.cacheDir, mirror: mirror, release: f), to: t)
            let server = try reportingLabErrors("lab mirror") { () throws -> ChildProcess in
                try m.ensure(shell: lab.shell) { printError("lab: \($0)") }
                return try lab.serveUpgradeMirror(m, host: host, maxSeconds: seconds + 5)
            }
            print("serving \(t.title)'s upgrade packages to \(host) for up to \(seconds) s", terminator: "\n")
            fflush(nil)
            // Stopped by a signal: the server goes with it (it would outlive us in the namespace).
            var sources: [any DispatchSourceSignal] = []
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                src.setEventHandler { server.stop() }
                src.resume()
                sources.append(src)
            }
            defer { sources.forEach { $0.cancel() } }
            let end = Date().addingTimeInterval(Double(seconds))
            while server.isRunning, Date() < end { Thread.sleep(forTimeInterval: 0.5) }
            server.stop()
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The lab's hosts, addresses and whether each is up.")
        @OptionGroup var dirs: Dirs

        func run() throws {
            let s = try reportingLabErrors("lab status") { try dirs.lab.status() }
            printTable(s)
            if s.contains(where: { !$0.running }) { throw ExitCode(3) }
        }
    }

    struct Exec: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a command inside a lab host (as its root).")
        @OptionGroup var dirs: Dirs
        @Argument(help: "The lab host (or `outside`).") var host: String
        @Argument(parsing: .postTerminator, help: "The command, after --.") var command: [String] = []

        func run() throws {
            try replaceProcess(dirs.lab) { try $0.execArgv(host: host, command: command.isEmpty ? ["/bin/bash", "-l"] : command) }
        }
    }

    struct SSH: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "ssh to a lab host from the admin seat (as root, with the lab's key).")
        @OptionGroup var dirs: Dirs
        @Argument(help: "The lab host.") var host: String
        @Argument(parsing: .postTerminator, help: "A command to run there, after --.") var command: [String] = []

        func run() throws { try replaceProcess(dirs.lab) { try $0.sshArgv(host: host, command: command) } }
    }

    struct Admin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command on this machine from the admin seat: the bastion's network, the lab's ssh keys.",
            discussion: "Example: gpucluster lab admin -- gpucluster apply --project out/ansible")
        @OptionGroup var dirs: Dirs
        @Argument(parsing: .postTerminator, help: "The command, after --.") var command: [String] = []

        func run() throws {
            guard !command.isEmpty else { throw ValidationError("give the command after --") }
            let lab = dirs.lab
            for (k, v) in lab.adminEnvironment { setenv(k, v, 1) }
            try replaceProcess(lab) { try $0.adminArgv(command: command) }
        }
    }
}

private func printTable(_ rows: [(host: LabState.Host, running: Bool)]) {
    let w = max(8, rows.map(\.host.name.count).max() ?? 0)
    print("HOST".padding(toLength: w + 2, withPad: " ", startingAt: 0) + "STATE  GPUS  ADDRESSES")
    for (h, up) in rows {
        print(h.name.padding(toLength: w + 2, withPad: " ", startingAt: 0) + (up ? "up     " : "down   ")
              + String(h.gpus).padding(toLength: 6, withPad: " ", startingAt: 0) + h.addresses.joined(separator: " "))
    }
}

/// A lab failure as "WHAT: why" on stderr and exit 1; other errors pass through.
private func reportingLabErrors<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as LabError {
        printError("\(what): \(e)")
        throw ExitCode(1)
    }
}

/// Becomes the given command (exec), so its exit status and terminal are the caller's own.
private func replaceProcess(_ lab: Lab, _ argv: (Lab) throws -> [String]) throws {
    let args = try reportingLabErrors("lab") { try argv(lab) }
    guard let exe = CommandRunner.which(args[0]) else {
        printError("lab: \(args[0]) not found")
        throw ExitCode(127)
    }
    fflush(nil)
    var cargs = args.map { strdup($0) } + [nil]
    execv(exe, &cargs)
    printError("lab: cannot run \(exe): \(String(cString: strerror(errno)))")
    throw ExitCode(126)
}
