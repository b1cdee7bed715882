import Foundation
import Testing
import TestSupport

/// `gpucluster render` as a command: keys fetched from a (loopback) mirror at render time,
/// bad answers and bad input refused with nothing written.
@Suite("render command", .serialized)
struct RenderCommandTests {
    @Test("keys of `github:` users are fetched into keys/USER.pub; a bad answer stops the render and writes nothing")
    func keys() throws {
        let mirror = try RenderTests.tempDir()
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPoVCYbDZcHw7JoWHKjVp5exez1SKGkJakXa1umNHwcH alice@laptop"
        try "\(key)\n".write(toFile: "\(mirror)/alice.keys", atomically: true, encoding: .utf8)
        try "<html>rate limited</html>\n".write(toFile: "\(mirror)/carol.keys", atomically: true, encoding: .utf8)
        let server = try ServerProcess(python: Repo.path(".venv/bin/python"), script: Repo.path("Tests/render/keys_mirror.py"), [mirror])
        defer { server.stop() }
        let specDir = try RenderTests.tempDir()
        var text = try String(contentsOfFile: Repo.path("examples/cluster.yaml"), encoding: .utf8)
        let spec = "\(specDir)/cluster.yaml"
        try text.write(toFile: spec, atomically: true, encoding: .utf8)
        let out = try RenderTests.tempDir() + "/p"
        let url = "http://127.0.0.1:\(server.port)/{user}.keys"
        let bad = try Tools.run(Binary.gpucluster, ["render", spec, "-o", out, "--keys-url", url])
        #expect(bad.status == 1 && bad.error.contains("keys of carol") && bad.error.contains("no public key"), "\(bad.error)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written")

        text = text.replacingOccurrences(of: "github: carol, ", with: "")
        try text.write(toFile: spec, atomically: true, encoding: .utf8)
        let ok = try Tools.run(Binary.gpucluster, ["render", spec, "-o", out, "--keys-url", url])
        #expect(ok.status == 0, "\(ok.error)")
        #expect(try String(contentsOfFile: "\(out)/keys/alice.pub", encoding: .utf8) == key + "\n")
        #expect(try String(contentsOfFile: "\(out)/keys/carol.pub", encoding: .utf8).hasPrefix("# no key for carol"))
        let again = try Tools.run(Binary.gpucluster, ["render", spec, "-o", out, "--keys-url", url])
        #expect(again.error.contains("0 written"), "a second render changes nothing: \(again.error)")
    }

    @Test("bad options, an invalid spec and a foreign folder are refused with a clear error")
    func badInput() throws {
        let dir = try RenderTests.tempDir()
        try "precious".write(toFile: "\(dir)/mine.txt", atomically: true, encoding: .utf8)
        let foreign = try Tools.run(Binary.gpucluster, ["render", Repo.path("examples/cluster.yaml"), "-o", dir, "--offline"])
        #expect(foreign.status == 1 && foreign.error.contains("not empty"), "\(foreign.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["mine.txt"])
        let url = try Tools.run(Binary.gpucluster, ["render", Repo.path("examples/cluster.yaml"), "-o", dir + "/x", "--keys-url", "file:///etc/passwd"])
        #expect(url.status != 0 && url.error.contains("--keys-url"))
        let invalid = Repo.path("examples/invalid").appending("/") + (try FileManager.default.contentsOfDirectory(atPath: Repo.path("examples/invalid")).sorted().first ?? "")
        let r = try Tools.run(Binary.gpucluster, ["render", invalid, "-o", dir + "/y", "--offline"])
        #expect(r.status == 1 && r.error.contains("error:"), "\(r.error)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/y"))
    }
}
