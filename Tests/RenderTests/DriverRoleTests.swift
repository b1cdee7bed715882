import Foundation
import Planning
import Spec
import Testing
import TestSupport
@testable import Render

/// The nvidia_driver role for each source and version: the pin and hold in the files apt reads
/// (checked by apt itself), NVIDIA's keys pinned by fingerprint, the fabric manager only where
/// the spec says NVSwitch, and ansible-lint clean for NVIDIA's repository too (the example
/// spec, Debian's source, is linted by `realTools`).
@Suite("NVIDIA driver role", .serialized)
struct DriverRoleTests {
    static func files(_ spec: ClusterSpec) -> [String: String] {
        Dictionary(AnsibleProject.render(spec, specText: "").map { ($0.path, $0.content) }, uniquingKeysWith: { a, _ in a })
    }

    /// The example with NVIDIA's repository, an exact version, the container toolkit, and gpu02 an NVSwitch system.
    static let nvidiaText = ExampleSpec.text
        .replacingOccurrences(of: "gpu: { source: debian, driver: \"535\", containers: false }",
                              with: "gpu: { source: nvidia, driver: \"550.90.07\", containers: true }")
        .replacingOccurrences(of: "    addresses: { internal: 10.10.0.12 }\n", with: "    addresses: { internal: 10.10.0.12 }\n    nvswitch: true\n")

    @Test("Debian's driver: components, the 535 branch pinned, no NVIDIA key, no fabric manager; compute hosts only")
    func debian() throws {
        let spec = try RenderTests.example()
        let f = Self.files(spec)
        let defaults = try #require(f["roles/nvidia_driver/defaults/main.yml"])
        #expect(defaults.contains("nvidia_driver_source: debian") && defaults.contains("nvidia_driver_pin_version: \"535.*\"")
                && defaults.contains("nvidia_driver_version_regex: '^535\\.'") && defaults.contains("nvidia_driver_keys: []"))
        #expect(defaults.contains("nvidia_driver_packages: [nvidia-driver, nvidia-smi, nvidia-persistenced, firmware-misc-nonfree]"))
        #expect(f["roles/nvidia_driver/templates/gpucluster-nvidia-debian.sources.j2"]?.contains("Components: {{ nvidia_driver_components | join(' ') }}") == true)
        #expect(defaults.contains("nvidia_driver_components: [contrib, non-free, non-free-firmware]"))
        let site = try #require(f["site.yml"])
        #expect(site.contains("hosts: compute") && site.contains("- nvidia_driver"))
        #expect(!f.filter { $0.key.hasPrefix("inventory/host_vars/") }.values.contains { $0.contains("nvidia_driver_nvswitch") })
        let plan = Assignment.hosts(spec)
        #expect(plan.filter { $0.roles.contains("nvidia_driver") }.map(\.host.name.value) == spec.hosts(withRole: .compute).map(\.name.value))
        #expect(!plan.flatMap(\.daemons).contains { $0.unit == "nvidia-fabricmanager" })
    }

    @Test("NVIDIA's repository: keys with pinned fingerprints, the exact version pinned, the fabric manager and --fabric-manager on the NVSwitch host only")
    func nvidia() throws {
        let spec = try RenderTests.spec(Self.nvidiaText)
        let f = Self.files(spec)
        let defaults = try #require(f["roles/nvidia_driver/defaults/main.yml"])
        #expect(defaults.contains("fingerprint: EB693B3035CD5710E231E123A4B469963BF863CC") && defaults.contains("fingerprint: C95B321B61E88C1809C4F759DDCAE044F796ECB0"))
        #expect(defaults.contains("nvidia_driver_pin_version: \"550.90.07-*\"") && defaults.contains("nvidia_driver_version_regex: '^550\\.90\\.07-'"))
        #expect(defaults.contains("nvidia_driver_main_package: cuda-drivers-550") && defaults.contains("nvidia_driver_fabric_manager: nvidia-fabricmanager-550"))
        #expect(defaults.contains("nvidia-container-toolkit"))
        let tasks = try #require(f["roles/nvidia_driver/tasks/main.yml"])
        #expect(tasks.contains("'fpr:::::::::' ~ item.fingerprint ~ ':'"), "a key is trusted only after its fingerprint matched")
        #expect(f["inventory/host_vars/gpu02.yml"]?.contains("nvidia_driver_nvswitch: true") == true)
        #expect(f["inventory/host_vars/gpu01.yml"]?.contains("nvidia_driver_nvswitch") == false)
        let gpu02 = try #require(Assignment.hosts(spec).first { $0.host.name.value == "gpu02" })
        #expect(gpu02.daemons.contains { $0.unit == "nvidia-fabricmanager" })
        #expect(f["roles/agent/templates/gpucluster-agent.service.j2"]?.contains("' --fabric-manager' if nvidia_driver_nvswitch | default(false)") == true)

        let project = try RenderTests.tempDir()
        _ = try ProjectWriter.write(AnsibleProject.render(spec, specText: Self.nvidiaText), to: project)
        let out = try RenderTests.tempDir()
        try RenderTests.jinja(project, host: "gpu02", "roles/nvidia_driver/templates/gpucluster-nvidia.list.j2", into: "\(out)/nvidia.list")
        let list = try String(contentsOfFile: "\(out)/nvidia.list", encoding: .utf8)
        #expect(list.contains("deb [signed-by=/etc/apt/keyrings/gpucluster-cuda.asc] https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/ /\n"))
        #expect(list.contains("deb [signed-by=/etc/apt/keyrings/gpucluster-nvidia-container-toolkit.asc] https://nvidia.github.io/libnvidia-container/stable/deb/amd64/ /\n"))
        // NVIDIA names its repository by release: a trixie host gets debian13's.
        try RenderTests.jinja(project, host: "gpu02", "roles/nvidia_driver/templates/gpucluster-nvidia.list.j2", into: "\(out)/nvidia13.list", release: .debian13)
        #expect(try String(contentsOfFile: "\(out)/nvidia13.list", encoding: .utf8).contains("/compute/cuda/repos/debian13/x86_64/ /\n"))
        // apt reads the pin and the blacklist as rendered: its own parser is the check.
        try FileManager.default.createDirectory(atPath: "\(out)/preferences.d", withIntermediateDirectories: true)
        try RenderTests.jinja(project, host: "gpu02", "roles/nvidia_driver/templates/gpucluster-nvidia.pref.j2", into: "\(out)/preferences.d/gpucluster-nvidia")
        let pref = try String(contentsOfFile: "\(out)/preferences.d/gpucluster-nvidia", encoding: .utf8)
        #expect(pref.contains("Pin: version 550.90.07-*\nPin-Priority: 1001\n"))
        // The same pin holds the fabric manager at the driver's version (its name says nvidia).
        #expect(pref.contains("Package: /nvidia/ ") && GPUStack.heldNamePattern.contains("nvidia"))
        try RenderTests.jinja(project, host: "gpu02", "roles/nvidia_driver/templates/53gpucluster-nvidia.j2", into: "\(out)/53gpucluster-nvidia")
        if let aptCache = Tools.find("apt-cache"), let aptConfig = Tools.find("apt-config") {
            let policy = try Tools.run(aptCache, ["-o", "Dir::Etc::PreferencesParts=\(out)/preferences.d", "policy"])
            #expect(policy.status == 0 && !policy.error.contains("E:"), "apt reads the pin: \(policy.error)")
            let conf = try Tools.run(aptConfig, ["-c", "\(out)/53gpucluster-nvidia", "dump", "Unattended-Upgrade::Package-Blacklist"])
            #expect(conf.status == 0 && conf.output.contains("Unattended-Upgrade::Package-Blacklist:: \"nvidia-\";")
                    && conf.output.contains("\"libnvidia-\";"), "apt-config: \(conf.output) \(conf.error)")
        } else { Issue.record("apt-cache / apt-config not found") }

        if let lint = Tools.find("ansible-lint") {
            let env = ["ANSIBLE_CONFIG": "\(project)/ansible.cfg", "ANSIBLE_LOCAL_TEMP": "\(out)/ansible-tmp", "HOME": out]
            let l = try Tools.run("/bin/sh", ["-c", "cd '\(project)' && '\(lint)' --nocolor roles/nvidia_driver roles/agent"], environment: env, timeout: 300)
            #expect(l.status == 0 && (l.output + l.error).contains("'production'"), "ansible-lint: \(l.output) \(l.error)")
        } else { Issue.record("ansible-lint (.venv) not found") }
    }

    @Test("validation: NVSwitch needs NVIDIA's repository and a compute host; the driver is a version; a branch Debian lacks is warned about")
    func validation() {
        func diagnostics(_ text: String) -> [String] { SpecLoader.load(bytes: Array(text.utf8)).diagnostics.map { "\($0)" } }
        let nvswitchOnDebian = ExampleSpec.text.replacingOccurrences(of: "    addresses: { internal: 10.10.0.12 }\n", with: "    addresses: { internal: 10.10.0.12 }\n    nvswitch: true\n")
        #expect(diagnostics(nvswitchOnDebian).contains { $0.contains("NVSwitch system, which needs nvidia-fabricmanager") })
        let branch550 = ExampleSpec.text.replacingOccurrences(of: "driver: \"535\"", with: "driver: \"550\"")
        #expect(diagnostics(branch550).contains { $0.contains("warning") && $0.contains("Debian 12 (bookworm) packages the 535 branch only") })
        for bad in ["latest", "535.*", "535 550", "535\\n", "5350", "535.1.2.3"] {
            let text = ExampleSpec.text.replacingOccurrences(of: "driver: \"535\"", with: "driver: \"\(bad)\"")
            #expect(diagnostics(text).contains { $0.contains("is not a driver branch or version") }, "\(bad)")
        }
        let mirror = ExampleSpec.text.replacingOccurrences(of: "containers: false }", with: "containers: false, mirror: \"http://x/ bookworm main\\nTypes: deb\" }")
        #expect(diagnostics(mirror).contains { $0.contains("gpu.mirror") && $0.contains("not a plain http(s) URL") })
    }
}
