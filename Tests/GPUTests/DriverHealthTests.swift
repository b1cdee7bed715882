import NodeReport
import Foundation
import Testing
import TestSupport
@testable import GPU

/// The driver stack's verdicts from NVML (the simulated library returns NVML's real codes) and
/// the parsers for what the kernel module and the library say of their versions.
@Suite("Driver health")
struct DriverHealthTests {
    @Test("a driver upgraded without a reboot: NVML's mismatch (18) named, with the library's own version")
    func mismatch() throws {
        var s = SimScenario.uniform(count: 2)
        s.initError = 18
        s.nvmlVersion = "12.550.90.07"
        let inst = try SimLibrary.instance(s.text)
        let b = try NVMLBackend.load(path: inst.library).get()
        let c = b.collect()
        #expect(!c.backendUp && c.gpus.isEmpty)
        #expect(c.error?.hasPrefix("nvmlInit: Driver/library version mismatch") == true, "\(c.error ?? "")")
        #expect(c.driver?.problems == [.versionMismatch] && c.driver?.libraryVersion == "550.90.07" && c.driver?.needsReboot == true)
        // The reboot (here: the scenario fixed) and the next cycle's init succeeds.
        s.initError = nil
        try s.text.write(toFile: inst.scenario, atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.15)
        let after = b.collect()
        #expect(after.backendUp && after.gpus.count == 2 && after.driver == nil, "\(after.error ?? "")")
    }

    @Test("no kernel module (9) is its own problem; other init failures are no driver verdict")
    func notLoaded() throws {
        var s = SimScenario.uniform(count: 1)
        s.initError = 9
        let b = try NVMLBackend.load(path: try SimLibrary.instance(s.text).library).get()
        #expect(b.collect().driver?.problems == [.moduleNotLoaded])
        s.initError = 999
        let other = try NVMLBackend.load(path: try SimLibrary.instance(s.text).library).get().collect()
        #expect(!other.backendUp && other.driver == nil)
    }

    @Test("persistence mode per GPU, as NVML reports it")
    func persistence() throws {
        var s = SimScenario.uniform(count: 2)
        s.gpus[1].persistence = false
        let c = try NVMLBackend.load(path: try SimLibrary.instance(s.text).library).get().collect()
        #expect(c.gpus.map(\.persistenceMode) == [true, false])
    }

    @Test("the module's version from /proc/driver/nvidia/version: proprietary and open modules")
    func moduleVersion() {
        #expect(DriverHealth.moduleVersion(fromProcText: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\nGCC version:  gcc version 12.2.0\n") == "550.54.14")
        #expect(DriverHealth.moduleVersion(fromProcText: "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03  Release Build  (dvs-builder@U16-I3-B03-4-3)  Fri Aug 16 21:42:42 UTC 2024\n") == "560.35.03")
        #expect(DriverHealth.libraryVersion(fromNVMLVersion: "12.550.90.07") == "550.90.07")
        #expect(DriverHealth.libraryVersion(fromNVMLVersion: "12.535.129.03") == "535.129.03")
    }

    @Test("hostile version text is not a version: no label, no markup, no escape sequence gets through")
    func hostile() {
        for text in ["", "NVRM version:", "garbage\n", "NVRM version: NVIDIA Kernel Module  550.54.14\"} 1\n",
                     "NVRM version: NVIDIA UNIX x86_64 Kernel Module  <script>  \u{1b}[2J\n",
                     "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + String(repeating: "9", count: 5000) + "\n",
                     "NVRM version: NVIDIA UNIX x86_64 Kernel Module 1.2.3.4.5.6\n"] {
            #expect(DriverHealth.moduleVersion(fromProcText: text) == nil, "\(text.prefix(60).debugDescription)")
        }
        for v in ["", "12", "12.", "12.550.90.07\n", "12.550.9a.07", "12.<b>.1", String(repeating: "1.", count: 100)] {
            #expect(DriverHealth.libraryVersion(fromNVMLVersion: v) == nil, "\(v.prefix(40).debugDescription)")
        }
        for v in ["550", "550.", "550..1", "55O.1", "550.1.2.3.4", "12345.1", "-550.1"] { #expect(!DriverHealth.isVersion(v), "\(v)") }
    }
}
