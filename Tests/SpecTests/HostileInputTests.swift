import Foundation
import Testing
import TestSupport
@testable import Spec

/// Bad input gets a clear error, never a crash or a hang.
@Suite("Hostile and malformed input")
struct HostileInputTests {
    /// Loads, and checks the answer is a located error that arrived within a second.
    @discardableResult
    func expectClearError(_ bytes: [UInt8], _ what: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [Diagnostic] {
        let clock = ContinuousClock()
        var loaded: LoadedSpec?
        let took = clock.measure { loaded = SpecLoader.load(bytes: bytes) }
        let ds = loaded?.diagnostics ?? []
        #expect(loaded?.isValid == false, "\(what): must be rejected", sourceLocation: sourceLocation)
        #expect(ds.contains { $0.severity == .error && !$0.message.isEmpty && $0.location.line >= 1 && $0.location.column >= 1 },
                "\(what): needs a located error", sourceLocation: sourceLocation)
        #expect(took < .seconds(1), "\(what): took \(took)", sourceLocation: sourceLocation)
        return ds
    }

    func example() throws -> [UInt8] { try Repo.bytes("examples/cluster.yaml") }

    @Test("an empty file, blank lines and only comments")
    func empty() {
        for input in ["", "\n\n  \n", "# just a comment\n# another\n"] {
            let ds = expectClearError(Array(input.utf8), "empty")
            #expect(ds.first?.message == "file is empty")
        }
    }

    @Test("the example cut off inside a bracket or a key, at every 5% of its length")
    func truncated() throws {
        let full = try example()
        for pct in stride(from: 5, to: 100, by: 5) {
            // Cut just after the next opening bracket: the file then ends inside a collection.
            let from = full.count * pct / 100
            guard let open = full[from...].firstIndex(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "{") }) else { continue }
            expectClearError(Array(full.prefix(open + 1)), "cut inside a bracket at \(pct)%")
        }
        // Cut in the middle of a top-level key.
        let text = String(decoding: full, as: UTF8.self)
        let cut = try #require(text.range(of: "\nhosts:"))
        let prefix = text[..<cut.lowerBound] + "\nhos"
        let ds = expectClearError(Array(prefix.utf8), "cut inside a key")
        let lastLine = prefix.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(ds.first?.location.line == lastLine, "the error points at the cut line")
    }

    @Test("wrong types where numbers, lists and mappings belong")
    func wrongTypes() {
        let cases = [
            "cluster: lab\nnetworks: {}\nhosts: []\nusers: []\n",
            "cluster: { name: lab }\nnetworks: [a, b]\nhosts: {}\nusers: 5\n",
            "- just\n- a\n- list\n",
            "just a string\n",
            "cluster: { name: [x] }\nnetworks: { n: { cidr: 10.0.0.0/8 } }\nhosts: [1, 2]\nusers: [{ name: a, uid: -5 }]\n",
            "cluster: { name: lab }\nnetworks: { n: { cidr: 10.0.0.0/8 } }\nhosts: [{ name: h, roles: [bastion], addresses: { n: 10.0.0.1 }, gpus: 1e400 }]\nusers: [{ name: a, uid: 99999999999999999999999 }]\n",
        ]
        for c in cases { expectClearError(Array(c.utf8), c) }
    }

    @Test("tabs used for indentation point at the tab")
    func tabs() {
        let ds = expectClearError(Array("cluster:\n\tname: lab\n".utf8), "tab")
        #expect(ds.first?.location == Spec.SourceLocation(line: 2, column: 1))
        #expect(ds.first?.hint?.contains("tabs") == true)
    }

    @Test("duplicate keys name both places")
    func duplicateKeys() {
        let ds = expectClearError(Array("cluster: { name: a }\ncluster: { name: b }\n".utf8), "duplicate")
        #expect(ds.first?.description == "2:1: error: duplicate key 'cluster' (first defined at line 1, column 1)")
    }

    @Test("a 10 MB file is refused before it is parsed")
    func tenMegabytes() throws {
        var big = try example()
        let filler = Array("# padding padding padding padding padding padding padding padding\n".utf8)
        while big.count < 10 * 1024 * 1024 { big += filler }
        let ds = expectClearError(big, "10 MB")
        #expect(ds.first?.message.contains("too large") == true)
    }

    @Test("binary junk and invalid UTF-8")
    func binaryJunk() {
        var rng = SystemRandomNumberGenerator()
        let junk = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }
        expectClearError(junk, "random bytes")
        expectClearError([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 64), "ELF header")
        let ds = expectClearError(Array("cluster: { name: caf".utf8) + [0xC3, 0x28] + Array(" }\n".utf8), "bad UTF-8")
        #expect(ds.first?.message.contains("UTF-8") == true)
    }

    @Test("a YAML bomb (billion laughs) is refused quickly")
    func billionLaughs() {
        var y = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        let names = ["b", "c", "d", "e", "f", "g", "h", "i"]
        var prev = "a"
        for n in names {
            y += "\(n): &\(n) [" + Array(repeating: "*\(prev)", count: 9).joined(separator: ",") + "]\n"
            prev = n
        }
        let ds = expectClearError(Array(y.utf8), "billion laughs")
        #expect(ds.first?.message.contains("YAML bomb") == true)
    }

    @Test("an alias bomb used as a mapping key is refused too")
    func bombAsKey() {
        var y = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var prev = "a"
        for n in ["b", "c", "d", "e", "f", "g", "h"] {
            y += "\(n): &\(n) [" + Array(repeating: "*\(prev)", count: 10).joined(separator: ",") + "]\n"
            prev = n
        }
        y += "? *h\n: 1\n? *h\n: 2\n"
        expectClearError(Array(y.utf8), "bomb as key")
    }

    @Test("deep nesting does not overflow the stack")
    func deepNesting() {
        expectClearError(Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8), "deep lists")
        expectClearError(Array((String(repeating: "{a: ", count: 50_000) + "1" + String(repeating: "}", count: 50_000)).utf8), "deep maps")
    }

    @Test("several documents, undefined aliases, control characters")
    func oddYAML() {
        expectClearError(Array("cluster: { name: a }\n---\ncluster: { name: b }\n".utf8), "two documents")
        expectClearError(Array("cluster: *nothing\n".utf8), "undefined alias")
        expectClearError(Array("cluster: { name: \"\u{1b}[2J\" }\n".utf8), "escape sequence")
    }

    @Test("a very long value is reported, not echoed whole")
    func longValue() {
        let y = "cluster: { name: lab }\nnetworks: { n: { cidr: 10.0.0.0/8 } }\nhosts: []\nusers: [{ name: \(String(repeating: "x", count: 100_000)), uid: 2000 }]\n"
        let ds = expectClearError(Array(y.utf8), "long name")
        #expect(ds.allSatisfy { $0.message.count < 500 })
    }

    @Test("random mutations of the example never crash and always answer")
    func mutations() throws {
        let base = try example()
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(Int.max))
        }
        let alphabet = Array(":-[]{}&*!|>'\"#%@ \t\n0aZ".utf8)
        for _ in 0..<300 {
            var m = base
            for _ in 0..<(1 + next() % 4) {
                let i = next() % m.count
                switch next() % 3 {
                case 0: m[i] = alphabet[next() % alphabet.count]
                case 1: m.remove(at: i)
                default: m.insert(alphabet[next() % alphabet.count], at: i)
                }
            }
            let loaded = SpecLoader.load(bytes: m)
            if !loaded.isValid { #expect(loaded.diagnostics.contains { $0.severity == .error }) }
        }
    }
}
