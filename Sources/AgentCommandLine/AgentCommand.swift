import Agent
import NodeReport
import HostSystem
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import GPU
#if canImport(Glibc)
import Glibc
#endif

/// `gpucluster agent`, also the root command of the slim `gpucluster-agent` binary that nodes run.
public struct AgentCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Node exporter: GPUs, processes → users/jobs, SMART, backup status.",
        discussion: """
        Serves /metrics (Prometheus), /api/v1/node (JSON with per-process detail) and /healthz.
        Collection runs every --interval in the background; a scrape only sends the latest data.
        GPU backend: NVML (libnvidia-ml.so.1, loaded at run time), else nvidia-smi, else none.
        """)

    @Option(help: "Address to bind (the firewall decides who reaches it).") var host = "0.0.0.0"
    @Option(help: "Port (0 picks a free one and prints it).") var port = 9855
    @Option(help: "Listen on this Unix socket instead of --host/--port (behind the socket unit that holds the port).")
    var unixSocket: String?
    @Option(help: "Seconds between collections.") var interval: Double = 5
    @Option(help: "NVML library to load.") var nvml = "libnvidia-ml.so.1"
    @Option(help: "nvidia-smi for the fallback backend.") var nvidiaSmi = "nvidia-smi"
    @Option(help: "Seconds before a hung nvidia-smi is killed.") var smiTimeout: Double = 5
    @Option(help: "GPUs this host should have; fewer is reported.") var expectedGpus: Int?
    @Option(help: "smartctl to run ('' to disable SMART).") var smartctl = "smartctl"
    @Option(help: "Minutes between SMART scans.") var smartInterval: Double = 10
    @Option(help: "Backup state file to report (on the backup server).") var backupState: String?
    @Option(help: "The updates check's state file ('' to not read one).") var updatesState = UpdatesStatus.defaultPath
    @Option(help: "The maintenance state file `gpucluster upgrade` writes ('' to not read one).") var maintenanceState = Maintenance.defaultPath
    @Option(help: "Where /proc is (for tests).") var proc = "/proc"
    @Option(help: "Host name to report (default: this machine's).") var hostname: String?
    @Option(help: "passwd-format file read before the system user database.") var passwd: String?
    @Option(help: "The NVIDIA kernel module's version file (default: $GPUCLUSTER_DRIVER_VERSION_FILE, else /proc/driver/nvidia/version; the lab's simulated GPUs set it).")
    var driverVersionFile: String?
    @Flag(help: "An NVSwitch system: report the fabric manager when it is not running.") var fabricManager = false
    @Flag(help: "Collect once, print the metrics and exit.") var once = false
    @Flag(help: .hidden) var exitWithParent = false
    @Flag(help: "Keep the code pages start-up touched resident (for measuring what releasing them saves).") var keepStartupPages = false

    public func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535") }
        guard interval >= 0.05, interval <= 3600 else { throw ValidationError("--interval must be between 0.05 and 3600 seconds") }
        guard smiTimeout > 0, smiTimeout <= 300 else { throw ValidationError("--smi-timeout must be between 0 and 300 seconds") }
        guard smartInterval > 0 else { throw ValidationError("--smart-interval must be positive") }
        if let e = expectedGpus, !(0...64).contains(e) { throw ValidationError("--expected-gpus must be 0…64") }
        if let u = unixSocket, !u.hasPrefix("/") || u.utf8.count > 100 {
            throw ValidationError("--unix-socket must be an absolute path of at most 100 bytes")
        }
    }

    public func run() async throws {
        MallocArenas.limit()   // before any thread allocates
        let backend = GPUBackendChoice.choose(nvmlPath: nvml, nvidiaSMI: nvidiaSmi, smiTimeout: .milliseconds(Int(smiTimeout * 1000)))
        var config = AgentConfig(gpuBackend: backend)
        config.interval = .milliseconds(Int(interval * 1000))
        config.procRoot = proc
        config.smartctlPath = smartctl.isEmpty ? nil : CommandRunner.which(smartctl)
        config.smartInterval = .seconds(Int(smartInterval * 60))
        config.backupStatePath = backupState
        config.updatesStatePath = updatesState.isEmpty ? nil : updatesState
        config.maintenanceStatePath = maintenanceState.isEmpty ? nil : maintenanceState
        config.expectedGPUs = expectedGpus
        config.passwdFile = passwd
        config.driverVersionFile = driverVersionFile ?? ProcessInfo.processInfo.environment["GPUCLUSTER_DRIVER_VERSION_FILE"] ?? DriverHealth.moduleVersionFile
        config.fabricManager = fabricManager
        if let hostname { config.hostname = hostname }
        let agent = Agent(config: config)
        if once {
            print(agent.collectOnce().metrics, terminator: "")
            return
        }
        agent.collectOnce()
        agent.start()
        if exitWithParent {
            // The demo's agents must not outlive a demo that was killed outright.
            let parent = getppid()
            BackgroundThread.start {
                while getppid() == parent { BackgroundThread.sleep(seconds: 0.5) }
                Glibc.exit(0)
            }
        }
        writeLine("gpucluster agent \(AgentVersion.string): GPU backend \(backend.name)", to: STDERR_FILENO)
        let host = self.host, unixSocket = self.unixSocket
        let releaseStartupPages = !keepStartupPages
        AgentServer.raiseOpenFileLimit()
        let address: AgentServer.Listen = unixSocket.map { .unixSocket($0) } ?? .tcp(host: host, port: port)
        try await AgentServer.run(agent: agent, listen: address) { bound in
            // Written straight to fd 1 so a parent reading the pipe sees it at once.
            writeLine(unixSocket.map { "listening on unix:\($0)" } ?? "listening on http://\(host):\(bound)", to: STDOUT_FILENO)
            if releaseStartupPages { StartupPages.release() }   // start-up is over: its code pages can go
        }
        agent.stop()
        CommandRunner.terminateAll()   // a hung nvidia-smi must not outlive the agent
    }
}

/// Writes one line straight to a file descriptor (no buffering to flush).
private func writeLine(_ s: String, to fd: Int32) {
    let bytes = Array((s + "\n").utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        done += n
    }
}
