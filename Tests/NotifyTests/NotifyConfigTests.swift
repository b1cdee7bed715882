import Foundation
import Notify
import Testing

/// notify's config and secrets come from files: each hostile form is refused with a reason.
@Suite("Notify config and secrets")
struct NotifyConfigTests {
    static func file(_ text: String, mode: mode_t = 0o600) throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("notify-cfg-\(UUID().uuidString)").path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        chmod(p, mode)
        return p
    }

    @Test("a secret readable by others, with two lines, empty or missing is refused; a private one-line secret is read")
    func secrets() throws {
        for (text, mode) in [("https://hooks.example/x\n", mode_t(0o644)), ("a\nb\n", 0o600), ("\n", 0o600)] {
            #expect(throws: NotifyConfig.Invalid.self) { try NotifyConfig.secret(try Self.file(text, mode: mode)) }
        }
        #expect(throws: NotifyConfig.Invalid.self) { try NotifyConfig.secret("/nonexistent/secret") }
        #expect(throws: NotifyConfig.Invalid.self) { try NotifyConfig.secret("../escape") }
        #expect(try NotifyConfig.secret(try Self.file("https://hooks.example/x\n")) == "https://hooks.example/x")
        // systemd 256+ (Debian 13) gives a credential to its service as 0440 root:root (plus an
        // ACL): root's group may read it; any other group, or a group that may write, may not.
        if getuid() == 0 {
            let systemdStyle = try Self.file("https://hooks.example/y\n", mode: 0o440)
            #expect(chown(systemdStyle, 0, 0) == 0)
            #expect(try NotifyConfig.secret(systemdStyle) == "https://hooks.example/y")
            let otherGroup = try Self.file("https://hooks.example/z\n", mode: 0o440)
            #expect(chown(otherGroup, 0, 1) == 0)
            #expect(throws: NotifyConfig.Invalid.self) { try NotifyConfig.secret(otherGroup) }
            let groupWrites = try Self.file("https://hooks.example/w\n", mode: 0o460)
            #expect(chown(groupWrites, 0, 0) == 0)
            #expect(throws: NotifyConfig.Invalid.self) { try NotifyConfig.secret(groupWrites) }
        } else {
            print("notify secrets: the group cases need root to chown (CI runs as root); checked only the private file")
        }
    }

    @Test("not JSON, bad channel names, out-of-range timings and non-http URLs are refused")
    func configs() throws {
        let bad = [
            "{not json", #"{"channels": [{"name": "a b", "kind": "webhook", "url": "https://x"}]}"#,
            #"{"channels": [], "minIntervalSeconds": 1000}"#, #"{"channels": [], "deadLetterAfterSeconds": 0}"#,
        ]
        for text in bad {
            #expect(throws: NotifyConfig.Invalid.self, "\(text)") { try NotifyConfig.load(path: try Self.file(text)) }
        }
        let noURL = try NotifyConfig.load(path: try Self.file(#"{"channels": [{"name": "p", "kind": "webhook", "url": "file:///etc/shadow"}]}"#))
        #expect(throws: NotifyConfig.Invalid.self) { try noURL.resolvedChannels() }
        let ok = try NotifyConfig.load(path: try Self.file(#"{"channels": [{"name": "p", "kind": "webhook", "url": "http://127.0.0.1:9/h"}]}"#))
        #expect(try ok.resolvedChannels().map(\.url) == ["http://127.0.0.1:9/h"] && ok.listen == "127.0.0.1:9095")
    }
}
