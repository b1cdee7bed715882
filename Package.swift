// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "gpucluster",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gpucluster", targets: ["gpucluster"]),
        .executable(name: "gpucluster-agent", targets: ["gpucluster-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // No default traits: they pull full Foundation (and ICU) into the node agent.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // cluster.yaml: reading (with line:column), the model, validation rules.
        .target(name: "Spec", dependencies: ["HostSystem", .product(name: "Yams", package: "Yams")]),
        // spec → what each host gets (roles, users, ports, log/backup roles). Pure.
        .target(name: "Planning", dependencies: ["Spec"]),
        // The NVML C ABI subset (types and constants), shared by the agent and the simulator.
        .target(name: "CNVML"),
        // The simulated libnvidia-ml.so.1 (plain C; scripts/build-simnvml makes the .so).
        .target(name: "SimNVML", dependencies: ["CNVML"]),
        // The system layer, for every module and the tests: executables on PATH, bounded small-file
        // reads, child processes with deadlines (whole process group killed), free ports, terminal text.
        .target(name: "HostSystem"),
        // The agent's contract: the node report (what /api/v1/node answers), every metric family's
        // name, the fatal-XID list and the free/idle-held policy. Depends on nothing but the system layer.
        .target(name: "NodeReport", dependencies: ["HostSystem"]),
        // The one HTTP client: GET and POST with a deadline over the whole exchange, a size limit,
        // redirects never followed.
        .target(name: "WebClient", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // GPU readings: NVML via dlopen, nvidia-smi fallback, parsers for nvidia-smi output.
        .target(name: "GPU", dependencies: ["CNVML", "NodeReport", "HostSystem"]),
        // pidfd wrappers (syscall() is variadic, so Swift cannot call it directly).
        .target(name: "CProcess"),
        // The node agent: collectors, Prometheus exposition, HTTP endpoints.
        .target(name: "Agent", dependencies: [
            "GPU", "NodeReport", "HostSystem", "CProcess",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // `gpucluster agent`'s command line, shared by `gpucluster` and the slim `gpucluster-agent`.
        .target(name: "AgentCommandLine", dependencies: [
            "Agent", "GPU", "HostSystem", "NodeReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The cluster-wide view: GPU states (free / busy / idle-held / down / unhealthy), slots,
        // per-user usage, the terminal board. Pure: built from agents' node reports.
        .target(name: "Fleet", dependencies: ["NodeReport", "Spec", "HostSystem"]),
        // Where cluster snapshots come from: scraping every agent (embedded) or Prometheus' API.
        .target(name: "FleetSources", dependencies: [
            "Fleet", "NodeReport", "WebClient",
        ]),
        // History in SQLite (raw → per-minute → per-hour, retention and size bounded).
        .target(name: "History", dependencies: ["Fleet", .product(name: "GRDB", package: "GRDB.swift")]),
        // The web dashboard: server-rendered HTML, inline SVG charts, JSON API, live updates.
        .target(name: "Dashboard", dependencies: [
            "Fleet", "FleetSources", "History", "Spec", "Notify", "WebClient",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ]),
        // `gpucluster demo`: a scripted cluster of real agents on the simulated NVML library.
        .target(name: "Demo", dependencies: ["GPU", "Fleet", "History", "HostSystem"]),
        // spec → a plain Ansible project (inventory, site.yml, roles/NAME/{tasks,handlers,templates,defaults}).
        .target(name: "Render", dependencies: ["Spec", "Planning", "NodeReport", "WebClient"]),
        // apply / drift: runs ansible-playbook on a rendered project, progress and per-host summary.
        .target(name: "Apply", dependencies: ["HostSystem"]),
        // `gpucluster lab`: the spec's hosts as booted Debian containers (systemd-nspawn) on
        // namespaced networks, for rehearsing apply and for the end-to-end test.
        .target(name: "Lab", dependencies: ["Spec", "GPU", "HostSystem"]),
        // `gpucluster backup`: pulled, hard-linked snapshots, checksum verification, retention,
        // restore; its state file is what the agent reports.
        .target(name: "Backup", dependencies: ["Spec", "NodeReport", "HostSystem"]),
        // `gpucluster notify`: Alertmanager's webhook into a durable outbox (SQLite), delivered to
        // Slack-compatible chats in order, with retries, Retry-After and a dead-letter list; signed
        // slash commands answered from the dashboard.
        .target(name: "Notify", dependencies: [
            "WebClient", "HostSystem",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Probes from the machine they run on: TCP connect scans and UDP probes with nmap's verdicts,
        // an SSH server's version and KEXINIT. Sockets only (no Foundation), so the node binary can carry it.
        .target(name: "Probe"),
        // `gpucluster audit`: what the spec says each port, sshd and host must look like from
        // this vantage point, checked by probing the running cluster (never reading `render`'s files).
        .target(name: "Audit", dependencies: ["Spec", "Probe", "HostSystem", "NodeReport"]),
        // The thin executable: one struct per command.
        .executableTarget(name: "gpucluster", dependencies: [
            "Spec", "Planning", "Agent", "AgentCommandLine", "GPU", "HostSystem", "NodeReport", "WebClient", "Fleet", "FleetSources", "History", "Dashboard", "Demo", "Render", "Apply", "Lab", "Backup", "Notify", "Audit", "Probe",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The node agent alone (what the agent role installs on every node).
        .executableTarget(name: "gpucluster-agent", dependencies: [
            "AgentCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // benchmarks/dashboard/run: history size, API/page latency at 1,000 nodes, collector CPU.
        .executableTarget(name: "dashboard-bench", dependencies: [
            "Dashboard", "Fleet", "FleetSources", "History",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "benchmarks/dashboard/bench"),
        // Helpers shared by the test targets (repository paths).
        .target(name: "TestSupport", dependencies: ["HostSystem", "WebClient"], path: "Tests/TestSupport"),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "TestSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Spec", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["gpucluster", "HostSystem", "TestSupport"]),
        .testTarget(name: "GPUTests", dependencies: ["GPU", "TestSupport"]),
        .testTarget(name: "AgentTests", dependencies: [
            "Agent", "GPU", "TestSupport", "gpucluster", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "Apply", "NodeReport", "Spec", "HostSystem", "TestSupport", "gpucluster"], exclude: ["lab-cluster.yaml"]),
        .testTarget(name: "BackupTests", dependencies: ["Backup", "Agent", "HostSystem", "Spec", "TestSupport", "gpucluster"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Planning", "Apply", "Backup", "Spec", "TestSupport", .product(name: "Yams", package: "Yams")]),
        // The contract between the agent and its consumers: every metric the rendered alert rules,
        // Grafana and the Prometheus source query is one a real collection exports.
        .testTarget(name: "ContractTests", dependencies: ["NodeReport", "Agent", "GPU", "Render", "FleetSources", "Spec", "TestSupport"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "Probe", "Spec", "HostSystem", "TestSupport", "gpucluster"]),
        .testTarget(name: "NotifyTests", dependencies: [
            "Notify", "WebClient", "HostSystem", "GPU", "TestSupport", "gpucluster",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "DashboardTests", dependencies: [
            "Fleet", "FleetSources", "History", "Dashboard", "Agent", "GPU", "Spec", "TestSupport", "gpucluster",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
