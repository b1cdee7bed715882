import Foundation
import Testing
import TestSupport
@testable import Spec

@Suite("The example spec")
struct ExampleSpecTests {
    @Test("examples/cluster.yaml validates with no errors and no warnings")
    func exampleIsClean() throws {
        let loaded = SpecLoader.load(bytes: try Repo.bytes("examples/cluster.yaml"))
        #expect(loaded.diagnostics.map(\.description) == [])
        #expect(loaded.isValid)
        let spec = try #require(loaded.spec)
        #expect(spec.hosts.count == 5)
        #expect(spec.users.count == 3)
        #expect(spec.admins.map(\.value) == ["alice"])
        #expect(spec.bastion?.name.value == "bastion")
        #expect(spec.hosts(withRole: .compute).count == 3)
    }

    @Test("`init` writes exactly the shipped example")
    func initTextIsTheExample() throws {
        let file = String(decoding: try Repo.bytes("examples/cluster.yaml"), as: UTF8.self)
        #expect(ExampleSpec.text == file, "run scripts/sync-example after editing examples/cluster.yaml")
    }

    @Test("defaults fill what the spec leaves out")
    func defaults() throws {
        let spec = try #require(SpecLoader.load(bytes: try Repo.bytes("examples/cluster.yaml")).spec)
        #expect(spec.users.first { $0.name.value == "bob" }?.gid.value == 2002)
        #expect(spec.logging.proto.value == .tcp)
        #expect(spec.monitoring.retentionDays.value == 400)
        #expect(spec.smart.short.value.smartdPattern(testType: "S") == "S/../.././02")
        #expect(spec.smart.long.value.smartdPattern(testType: "L") == "L/../../6/03")
        #expect(spec.network(named: "public")?.scope == .public)
        #expect(spec.network(named: "internal")?.scope == .internal)
    }
}
