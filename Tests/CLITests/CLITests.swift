import Foundation
import HostSystem
import Testing
import TestSupport

/// Runs the real `gpucluster` binary: exit codes, streams and files are part of the interface.
@Suite("gpucluster command line")
struct CLITests {
    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("gpucluster").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("gpucluster").path,
            Repo.path(".build/debug/gpucluster"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }()

    struct Result { var code: Int32; var out: String; var err: String }

    /// Through the system layer (own process group, bounded): Foundation's Process was seen to
    /// hang in waitUntilExit here with many children.
    func run(_ args: [String], cwd: String? = nil) throws -> Result {
        let o = try CommandRunner.run(Self.binary, args, timeout: .seconds(120), currentDirectory: cwd)
        return Result(code: o.timedOut ? -1 : (o.exitCode ?? 128 + (o.signal ?? 0)), out: o.stdout, err: o.stderr)
    }

    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("gpucluster-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d.path
    }

    @Test("validate: the example passes with exit 0")
    func validateExample() throws {
        let r = try run(["validate", Repo.path("examples/cluster.yaml")])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.err.contains("0 errors, 0 warnings"))
    }

    @Test("validate: an invalid spec prints FILE:LINE:COLUMN, the source line and a hint, and exits 1")
    func validateInvalid() throws {
        let file = Repo.path("examples/invalid/02-unknown-role.yaml")
        let r = try run(["validate", file])
        #expect(r.code == 1)
        #expect(r.err.contains("\(file):11:28: error: host 'gpu01' roles[0]: unknown value 'compue'") || r.err.contains("\(file):9:28:"))
        #expect(r.err.contains("hint: did you mean 'compute'?"))
        #expect(r.err.contains("^"))
    }

    @Test("validate: warnings alone exit 0")
    func warningsOnly() throws {
        let dir = try tempDir()
        let text = String(decoding: try Repo.bytes("examples/cluster.yaml"), as: UTF8.self)
            .replacingOccurrences(of: "logging: { protocol: tcp }", with: "logging: { protocol: udp }")
        try text.write(toFile: dir + "/c.yaml", atomically: true, encoding: .utf8)
        let r = try run(["validate", dir + "/c.yaml"])
        #expect(r.code == 0)
        #expect(r.err.contains("warning: syslog over UDP drops messages"))
        #expect(r.err.contains("0 errors, 1 warning"))
    }

    @Test("validate: missing file, a directory, and a 10 MB file give one clear line and exit 1")
    func unreadable() throws {
        let dir = try tempDir()
        var r = try run(["validate", dir + "/nope.yaml"])
        #expect(r.code == 1)
        #expect(r.err.contains("nope.yaml: error: cannot read the file: no such file"))
        r = try run(["validate", dir])
        #expect(r.code == 1)
        #expect(r.err.contains("it is a directory"))
        let big = dir + "/big.yaml"
        FileManager.default.createFile(atPath: big, contents: Data(repeating: UInt8(ascii: "#"), count: 10 * 1024 * 1024))
        r = try run(["validate", big])
        #expect(r.code == 1)
        #expect(r.err.contains("file is too large"))
    }

    @Test("validate: control characters from the file never reach the terminal")
    func escapes() throws {
        let dir = try tempDir()
        try "cluster: { name: lab }\nnetworks: { n: { cidr: 10.0.0.0/8 } }\nhosts: []\nusers: []\nadmins: [\"\u{1b}[2Jevil\"]\n"
            .write(toFile: dir + "/e.yaml", atomically: true, encoding: .utf8)
        let r = try run(["validate", dir + "/e.yaml"])
        #expect(r.code == 1)
        #expect(!r.err.contains("\u{1b}"))
    }

    @Test("plan --json prints the checked-in plan; plan prints a table")
    func plan() throws {
        let r = try run(["plan", "--json", Repo.path("examples/cluster.yaml")])
        #expect(r.code == 0)
        let golden = String(decoding: try Repo.bytes("Tests/Golden/example-plan.json"), as: UTF8.self)
        #expect(r.out == golden)
        let t = try run(["plan", Repo.path("examples/cluster.yaml")])
        #expect(t.code == 0)
        #expect(t.out.contains("accepts   22/tcp"))
    }

    @Test("plan refuses an invalid spec with its diagnostics and exit 1")
    func planInvalid() throws {
        let r = try run(["plan", Repo.path("examples/invalid/17-ssh-lockout.yaml")])
        #expect(r.code == 1)
        #expect(r.out.isEmpty)
        #expect(r.err.contains("locked out"))
    }

    @Test("init writes a spec that validates, and never overwrites without --force")
    func initCommand() throws {
        let dir = try tempDir()
        var r = try run(["init"], cwd: dir)
        #expect(r.code == 0, "\(r.err)")
        #expect(try run(["validate"], cwd: dir).code == 0)
        try "mine\n".write(toFile: dir + "/cluster.yaml", atomically: true, encoding: .utf8)
        r = try run(["init"], cwd: dir)
        #expect(r.code == 1)
        #expect(r.err.contains("exists"))
        #expect(try String(contentsOfFile: dir + "/cluster.yaml", encoding: .utf8) == "mine\n")
        r = try run(["init", "--force"], cwd: dir)
        #expect(r.code == 0)
        #expect(try String(contentsOfFile: dir + "/cluster.yaml", encoding: .utf8).hasPrefix("# cluster.yaml"))
        r = try run(["init", "-o", "-"])
        #expect(r.out.hasPrefix("# cluster.yaml"))
    }
}
