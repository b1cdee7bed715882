import Foundation
import Testing
import TestSupport
@testable import Spec

/// Every free-text spec field with a value its destination would misread (a new line in a
/// generated file, a Jinja template, a shell or path character): validate refuses it with
/// FILE:LINE:COL at that value.
@Suite("Hostile spec values")
struct FreeTextTests {
    /// The example with `old` replaced by `new` (once); the line `new` is on.
    static func variant(_ old: String, _ new: String) throws -> (bytes: [UInt8], line: Int) {
        let text = try String(contentsOfFile: Repo.path("examples/cluster.yaml"), encoding: .utf8)
        let r = try #require(text.range(of: old), "example has no '\(old)'")
        let out = text.replacingCharacters(in: r, with: new)
        let line = text[..<r.lowerBound].split(separator: "\n", omittingEmptySubsequences: false).count
        return (Array(out.utf8), line)
    }

    static let cases: [(field: String, old: String, new: String, says: String)] = [
        ("cluster.domain with a space", "domain: lab.internal", "domain: \"lab.internal evil\"", "not a DNS name"),
        ("cluster.domain as a template", "domain: lab.internal", "domain: \"{{ lookup('pipe', 'id') }}\"", "template marker"),
        ("cluster.timezone with ..", "timezone: Europe/Berlin", "timezone: ../../etc/shadow", "not a time zone"),
        ("cluster.timezone with a newline", "timezone: Europe/Berlin", "timezone: \"Europe/Berlin\\nPermitRootLogin yes\"", "control character"),
        ("a user's shell with arguments", "{ name: alice, uid: 2001, github: alice }", "{ name: alice, uid: 2001, github: alice, shell: \"/bin/sh -c id\" }", "not a known login shell"),
        ("a user's shell not in the list", "{ name: alice, uid: 2001, github: alice }", "{ name: alice, uid: 2001, github: alice, shell: /tmp/evil }", "not a known login shell"),
        ("a github name with a slash", "github: alice }", "github: \"../../alice\" }", "not a GitHub user name"),
        ("a host tag with a quote", "tags: [rtx3090]", "tags: [\"rtx'3090\"]", "tag"),
        ("a service name with a space", "  ssh:       { tcp: [22]", "  \"ssh x\":   { tcp: [22]", "service name"),
        ("an NFS path with a space", "path: /home, options", "path: \"/home /etc\", options", "path '/home /etc'"),
        ("an NFS path with a glob", "path: /home, options", "path: \"/ho*\", options", "characters a generated file"),
        ("a backup path with a paren", "paths: [/home, /etc]", "paths: [/home, \"/etc/$(id)\"]", "characters a generated file"),
        ("the webhook file with a space", "webhookFile: secrets/slack-webhook", "webhookFile: \"secrets/slack webhook\"", "characters a generated file"),
        ("the Slack channel with a newline", "channel: \"#gpu-cluster\"", "channel: \"#gpu\\r\\nX-Evil: 1\"", "control character"),
        ("the Slack channel with spaces", "channel: \"#gpu-cluster\"", "channel: \"#gpu cluster\"", "not a channel name"),
        ("a sudo rule without arguments", "      - /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc\n",
         "      - /usr/bin/rsync\n", "no arguments"),
        ("a sudo rule with a regex argument", "      - /usr/bin/rsync --server --sender -lHogDtpAXrRe.iLsfxCIvu --numeric-ids . /home /etc\n",
         "      - /usr/bin/rsync --server --sender ^.*$\n", "regular expression"),
        ("a template in any value (a host tag)", "tags: [rtx3090]", "tags: [\"{% raw %}x\"]", "template marker"),
    ]

    @Test("each hostile value is refused at its line", arguments: 0..<cases.count)
    func refused(_ i: Int) throws {
        let c = Self.cases[i]
        let (bytes, line) = try Self.variant(c.old, c.new)
        let loaded = SpecLoader.load(bytes: bytes)
        let errors = loaded.diagnostics.filter { $0.severity == .error }
        #expect(!loaded.isValid, "\(c.field): accepted")
        let hit = errors.first { $0.message.contains(c.says) }
        #expect(hit != nil, "\(c.field): no error saying '\(c.says)': \(errors.map(\.message))")
        #expect(hit?.location.line == line && (hit?.location.column ?? 0) >= 1,
                "\(c.field): error at \(hit.map { "\($0.location)" } ?? "-"), value on line \(line)")
        // The rendered form is compiler-style: FILE:LINE:COL: error: …
        #expect(hit.map { $0.formatted(file: "cluster.yaml").hasPrefix("cluster.yaml:\(line):") } == true)
    }

    @Test("the example and the lab spec pass the free-text rule")
    func examplesPass() throws {
        for path in ["examples/cluster.yaml", "Tests/LabTests/lab-cluster.yaml"] {
            let loaded = SpecLoader.load(bytes: try Repo.bytes(path))
            let mine = loaded.diagnostics.filter { $0.message.contains("template marker") || $0.message.contains("control character")
                || $0.message.contains("not a known login shell") || $0.message.contains("characters a generated file") }
            #expect(mine.isEmpty, "\(path): \(mine.map(\.message))")
        }
    }
}
