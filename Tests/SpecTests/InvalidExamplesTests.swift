import Foundation
import Testing
import TestSupport
@testable import Spec

/// Each file in examples/invalid/ breaks one rule; its second line says what `validate` must
/// report: `# expect: LINE:COLUMN: error: MESSAGE`.
@Suite("Invalid example specs")
struct InvalidExamplesTests {
    static let files: [String] = {
        let dir = Repo.path("examples/invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test("there is at least one invalid example per rule (15+)")
    func enoughExamples() {
        #expect(Self.files.count >= 15)
    }

    @Test("each invalid example reports its expected error at the expected line and column", arguments: files)
    func reportsExpectedError(_ name: String) throws {
        let bytes = try Repo.bytes("examples/invalid/\(name)")
        let text = String(decoding: bytes, as: UTF8.self)
        let expectLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("# expect: ") })
        let expected = String(expectLine.dropFirst("# expect: ".count))
        let loaded = SpecLoader.load(bytes: bytes)
        #expect(!loaded.isValid)
        #expect(loaded.diagnostics.map(\.description).contains(expected),
                "got: \(loaded.diagnostics.map(\.description))")
    }

    @Test("every rule in the registry is exercised by some invalid example or unit test")
    func rulesHaveNames() {
        let names = ValidationRules.all.map(\.name)
        #expect(Set(names).count == names.count, "rule names are unique")
        #expect(names.count >= 15)
    }
}
