import Foundation
import Testing
@testable import Render
import Spec
import TestSupport

/// `os: debian-12 | debian-13`, cluster-wide and per host: validation with positions, the
/// render for each release (a golden of what differs from Debian 12's), a mixed cluster's host
/// vars, and ansible-lint on Debian 13's project.
@Suite("Render: Debian releases", .serialized)
struct ReleaseRenderTests {
    /// The example on Debian 13, with the branch trixie packages.
    static let trixieText = ExampleSpec.text
        .replacingOccurrences(of: "  os: debian-12 ", with: "  os: debian-13 ")
        .replacingOccurrences(of: "driver: \"535\"", with: "driver: \"550\"")

    static func diagnostics(_ text: String) -> [String] { SpecLoader.load(bytes: Array(text.utf8)).diagnostics.map { "\($0)" } }

    @Test("the example on Debian 13 renders to Debian 12's tree except the files in Tests/Golden/render-debian-13 (GPUCLUSTER_UPDATE_GOLDEN=1 rewrites them)")
    func golden() throws {
        #expect(Self.trixieText != ExampleSpec.text && Self.trixieText.contains("os: debian-13"))
        let files = AnsibleProject.render(try RenderTests.spec(Self.trixieText), specText: Self.trixieText)
        let base = Repo.path("Tests/Golden/render"), golden = Repo.path("Tests/Golden/render-debian-13")
        let differing = files.filter { (try? String(contentsOfFile: "\(base)/\($0.path)", encoding: .utf8)) != $0.content }
        if ProcessInfo.processInfo.environment["GPUCLUSTER_UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(atPath: golden)
            _ = try ProjectWriter.write(differing, to: golden)
        }
        let listed = try FileManager.default.subpathsOfDirectory(atPath: golden)
            .filter { $0 != ProjectWriter.manifest && !FileManager.default.isDirectory(golden + "/" + $0) }.sorted()
        #expect(listed == differing.map(\.path).sorted(), "the files that differ from Debian 12's tree")
        for f in differing {
            #expect((try? String(contentsOfFile: "\(golden)/\(f.path)", encoding: .utf8)) == f.content, "\(f.path) differs from Tests/Golden/render-debian-13")
        }
        // What differs is the spec's words, not the roles: they read the release from facts
        // (the driver's defaults carry the spec's driver, 550 here).
        #expect(differing.filter { $0.path.hasPrefix("roles/") }.map(\.path) == ["roles/nvidia_driver/defaults/main.yml"], "\(differing.map(\.path))")
        let all = try #require(differing.first { $0.path == "inventory/group_vars/all.yml" })
        #expect(all.content.contains("gpucluster_os: debian-13\n"))
    }

    @Test("validation: debian-12 and debian-13, cluster-wide and per host; anything else is an error at its position; a driver branch a release does not package warns for that release")
    func validation() throws {
        #expect(SpecLoader.load(bytes: Array(Self.trixieText.utf8)).isValid, "\(Self.diagnostics(Self.trixieText))")
        let bad = ExampleSpec.text.replacingOccurrences(of: "  os: debian-12 ", with: "  os: debian-14 ")
        let line = try #require(ExampleSpec.text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("  os: debian-12") }) + 1
        let found = SpecLoader.load(bytes: Array(bad.utf8)).diagnostics
        #expect(found.contains { $0.severity == .error && $0.location.line == line && $0.location.column == 7
                                 && $0.message == "cluster.os 'debian-14' is not supported" && $0.hint?.contains("debian-12 or debian-13") == true },
                "\(found)")
        let hostile = ExampleSpec.text.replacingOccurrences(of: "  - name: gpu02\n", with: "  - name: gpu02\n    os: \"debian-13\\u001b[2J\"\n")
        #expect(Self.diagnostics(hostile).contains { $0.contains("host 'gpu02' os") && $0.contains("is not supported") && !$0.contains("\u{1b}") },
                "\(Self.diagnostics(hostile))")
        let mixed = ExampleSpec.text.replacingOccurrences(of: "  - name: gpu02\n", with: "  - name: gpu02\n    os: debian-13\n")
        let m = SpecLoader.load(bytes: Array(mixed.utf8))
        #expect(m.isValid)
        // The example names 535, which trixie packages only under other names: a warning for it.
        #expect(m.diagnostics.contains { "\($0)".contains("warning") && "\($0)".contains("Debian 13 (trixie) packages the 550 branch only") },
                "\(m.diagnostics.map { "\($0)" })")
        #expect(!m.diagnostics.contains { "\($0)".contains("Debian 12 (bookworm) packages") })
        let spec = try #require(m.spec)
        #expect(Set(spec.hosts.map(spec.release(of:))) == [.debian12, .debian13] && spec.host(named: "gpu02").map(spec.release(of:)) == .debian13)
    }

    @Test("a mixed cluster: the host on Debian 13 says so in its host vars and, with no driver named, gets trixie's branch; the others keep the cluster's")
    func mixedHostVars() throws {
        let text = ExampleSpec.text
            .replacingOccurrences(of: "  - name: gpu02\n", with: "  - name: gpu02\n    os: debian-13\n")
            .replacingOccurrences(of: "driver: \"535\", ", with: "")
        let files = Dictionary(uniqueKeysWithValues: AnsibleProject.render(try RenderTests.spec(text)).map { ($0.path, $0.content) })
        let gpu02 = try #require(files["inventory/host_vars/gpu02.yml"])
        #expect(gpu02.contains("gpucluster_os: \"debian-13\"\n") || gpu02.contains("gpucluster_os: debian-13\n"), "\(gpu02)")
        #expect(gpu02.contains("nvidia_driver_version: \"550\"") && gpu02.contains("nvidia_driver_pin_version: \"550.*\"")
                && gpu02.contains("nvidia_driver_version_regex: \"^550\\\\.\""), "\(gpu02)")
        let gpu01 = try #require(files["inventory/host_vars/gpu01.yml"])
        #expect(!gpu01.contains("gpucluster_os") && !gpu01.contains("nvidia_driver_version"), "\(gpu01)")
        #expect(files["roles/nvidia_driver/defaults/main.yml"]?.contains("nvidia_driver_version: \"535\"") == true)
        #expect(files["inventory/group_vars/all.yml"]?.contains("gpucluster_os: debian-12\n") == true)
        // The first task of every host checks the release against its facts, before any change.
        let base = try #require(files["roles/base/tasks/main.yml"])
        #expect(base.hasPrefix("---\n") || base.contains("- name: Check that the host runs the Debian release cluster.yaml says"))
        #expect(base.contains("gpucluster_os == 'debian-' ~ ansible_distribution_major_version"))
        #expect(files["roles/python/defaults/main.yml"]?.contains("python_system_versions: {\"12\": \"3.11\", \"13\": \"3.13\"}") == true)
    }

    @Test("ansible-lint: Debian 13's project is clean (production profile)")
    func lint() throws {
        guard let lint = Tools.find("ansible-lint") else { Issue.record("ansible-lint (.venv) not found: scripts/test installs it"); return }
        let project = try RenderTests.tempDir()
        _ = try ProjectWriter.write(AnsibleProject.render(try RenderTests.spec(Self.trixieText), specText: Self.trixieText), to: project)
        let out = try RenderTests.tempDir()
        let env = ["ANSIBLE_CONFIG": "\(project)/ansible.cfg", "ANSIBLE_LOCAL_TEMP": "\(out)/ansible-tmp", "HOME": out]
        let l = try Tools.run("/bin/sh", ["-c", "cd '\(project)' && '\(lint)' --nocolor"], environment: env, timeout: 600)
        #expect(l.status == 0 && (l.output + l.error).contains("'production'"), "ansible-lint: \(l.output) \(l.error)")
    }
}
