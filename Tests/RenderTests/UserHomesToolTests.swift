import Foundation
import Testing
import TestSupport
@testable import Render

/// The users role's one-pass tool (`gpucluster-user-homes`), run for real as root on a home
/// that belongs to `nobody`: it fixes the mode and writes exactly the spec's keys as the user,
/// changes nothing the second time or in check mode, and never writes through what a user
/// planted (a link to a root file, a linked ~/.ssh, a hard link to a root file, a FIFO).
@Suite("User homes tool", .serialized)
struct UserHomesToolTests {
    static let nobody: (uid: UInt32, gid: UInt32) = (65534, 65534)

    struct Outcome: Decodable { var changed: [String]; var links: [String]; var problems: [String] }

    let root: String, home: String, tool: String

    init() throws {
        root = try RenderTests.tempDir()
        home = "\(root)/nobody"
        tool = "\(root)/gpucluster-user-homes"
        try UsersRole.userHomes.write(toFile: tool, atomically: true, encoding: .utf8)
        chmod(tool, 0o755)
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        chmod(root, 0o755)
        chown(home, Self.nobody.uid, Self.nobody.gid)
        chmod(home, 0o755)
    }

    func run(_ keys: String, check: Bool = false, name: String = "nobody") throws -> (Int32, Outcome?) {
        let input = try String(decoding: JSONSerialization.data(withJSONObject: [
            "home_mode": "0700", "users": [["name": name, "keys": keys]]]), as: UTF8.self)
        let r = try Tools.run(tool, [check ? "--check" : "--apply", "--home-root=\(root)"], stdin: input, timeout: 20)
        return (r.status, try? JSONDecoder().decode(Outcome.self, from: Data(r.output.utf8)))
    }

    func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
    func mode(_ path: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil }
    func owner(_ path: String) -> UInt32? { var st = stat(); return lstat(path, &st) == 0 ? st.st_uid : nil }

    static var isRoot: Bool {
        if getuid() == 0 { return true }
        print("user homes tool test: SKIPPED: needs root (it becomes another user)")
        return false
    }

    @Test("mode fixed and exactly the keys written, as the user; nothing the second time; check mode changes nothing")
    func writes() throws {
        guard Self.isRoot else { return }
        let (status, first) = try run("ssh-ed25519 AAAA alice@laptop\n\n  ssh-rsa BBBB alice@desk  ")
        #expect(status == 0)
        #expect(first?.changed.count == 3, "\(String(describing: first))")   // mode, ~/.ssh, the keys
        #expect(mode(home) == 0o700 && mode("\(home)/.ssh") == 0o700 && mode("\(home)/.ssh/authorized_keys") == 0o600)
        #expect(owner("\(home)/.ssh") == Self.nobody.uid && owner("\(home)/.ssh/authorized_keys") == Self.nobody.uid)
        #expect(text("\(home)/.ssh/authorized_keys") == "ssh-ed25519 AAAA alice@laptop\nssh-rsa BBBB alice@desk\n")

        let (_, again) = try run("ssh-ed25519 AAAA alice@laptop\nssh-rsa BBBB alice@desk")
        #expect(again?.changed == [] && again?.links == [], "\(String(describing: again))")

        chmod(home, 0o755)
        let (_, checked) = try run("ssh-ed25519 CCCC other", check: true)
        #expect(checked?.changed.count == 2, "\(String(describing: checked))")
        #expect(mode(home) == 0o755 && text("\(home)/.ssh/authorized_keys")?.contains("AAAA") == true, "check mode changed something")
    }

    @Test("a planted link, linked ~/.ssh, hard link or FIFO is reported or replaced, never written through")
    func hostileHome() throws {
        guard Self.isRoot else { return }
        let ssh = "\(home)/.ssh", keys = "\(home)/.ssh/authorized_keys"
        let victim = "\(root)/shadow"
        try "root:secret\n".write(toFile: victim, atomically: true, encoding: .utf8)
        chmod(victim, 0o644)
        try FileManager.default.createDirectory(atPath: ssh, withIntermediateDirectories: true)
        chown(ssh, Self.nobody.uid, Self.nobody.gid)

        // A link where the keys go: reported with its target, the target untouched.
        symlink(victim, keys)
        let (s1, linked) = try run("ssh-ed25519 AAAA x")
        #expect(s1 == 0 && linked?.links == ["\(keys) -> \(victim)"], "\(String(describing: linked))")
        #expect(text(victim) == "root:secret\n")

        // A hard link to a root file: replaced by a file of the user's, the root file untouched.
        unlink(keys)
        #expect(link(victim, keys) == 0)
        let (s2, hard) = try run("ssh-ed25519 AAAA x")
        #expect(s2 == 0 && hard?.changed == ["nobody: ~/.ssh/authorized_keys written"], "\(String(describing: hard))")
        #expect(text(victim) == "root:secret\n" && text(keys) == "ssh-ed25519 AAAA x\n" && owner(keys) == Self.nobody.uid)

        // A FIFO: a problem named, no hang (the run has 20 s), exit 1.
        unlink(keys)
        mkfifo(keys, 0o600)
        chown(keys, Self.nobody.uid, Self.nobody.gid)
        let (s3, fifo) = try run("ssh-ed25519 AAAA x")
        #expect(s3 == 1 && fifo?.problems == ["\(keys) is not a file"], "\(String(describing: fifo))")

        // ~/.ssh itself a link to a folder anyone may write: reported, nothing written there.
        unlink(keys)
        try FileManager.default.removeItem(atPath: ssh)
        let open = "\(root)/open"
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: true)
        chmod(open, 0o777)
        symlink(open, ssh)
        let (s4, dir) = try run("ssh-ed25519 AAAA x")
        #expect(s4 == 0 && dir?.links == ["\(ssh) -> \(open)"], "\(String(describing: dir))")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: open)) == [])
    }

    @Test("names that are no user of this host are refused, not looked up as paths")
    func hostileNames() throws {
        guard Self.isRoot else { return }
        for name in ["../etc", ".hidden", "no\u{0}body", "nosuchuser-gpucluster"] {
            let (status, out) = try run("ssh-ed25519 AAAA x", name: name)
            #expect(status == 1 && out?.problems.count == 1 && out?.changed == [], "\(name.debugDescription): \(String(describing: out))")
        }
        #expect(mode(home) == 0o755, "a refused name must change no home")
    }
}
