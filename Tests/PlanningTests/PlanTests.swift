import Foundation
import Testing
import TestSupport
@testable import Planning
@testable import Spec

@Suite("plan")
struct PlanTests {
    func examplePlan() throws -> ClusterPlan {
        let spec = try #require(SpecLoader.load(bytes: try Repo.bytes("examples/cluster.yaml")).spec)
        return Planner.plan(spec)
    }

    static func json(_ plan: ClusterPlan) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try enc.encode(plan), as: UTF8.self) + "\n"
    }

    @Test("plan --json of the example matches Tests/Golden/example-plan.json")
    func golden() throws {
        let expected = String(decoding: try Repo.bytes("Tests/Golden/example-plan.json"), as: UTF8.self)
        let actual = try Self.json(try examplePlan())
        #expect(actual == expected, "if the change is intended: gpucluster plan --json examples/cluster.yaml > Tests/Golden/example-plan.json")
    }

    @Test("compute hosts accept only the bastion (to-bastion-only)")
    func computeOnlyFromBastion() throws {
        let plan = try examplePlan()
        for h in plan.hosts where h.roles.contains("compute") {
            #expect(!h.accepts.isEmpty)
            for p in h.accepts { #expect(p.from.map(\.label) == ["bastion (10.10.0.1)"], "\(h.name) \(p.port)") }
        }
    }

    @Test("the backup server refuses the bastion; the bastion keeps SSH open to admins")
    func backupIsolation() throws {
        let plan = try examplePlan()
        let backup = try #require(plan.hosts.first { $0.name == "backup" })
        #expect(backup.accepts.allSatisfy { $0.except.map(\.label).contains("bastion (10.10.0.1)") })
        let bastion = try #require(plan.hosts.first { $0.name == "bastion" })
        let ssh = try #require(bastion.accepts.first { $0.port == 22 })
        #expect(ssh.from.contains(PortSource(name: "public", cidr: "203.0.113.0/28", address: nil)))
        #expect(!bastion.accepts.contains { $0.port == 2049 && $0.from.contains { $0.name == "public" } })
    }

    @Test("the open policy keeps whole-network sources on compute hosts")
    func openPolicy() throws {
        var text = String(decoding: try Repo.bytes("examples/cluster.yaml"), as: UTF8.self)
        text = text.replacingOccurrences(of: "internal: { policy: to-bastion-only }", with: "internal: { policy: open }")
        let spec = try #require(SpecLoader.load(text: text).spec)
        let gpu = try #require(Planner.plan(spec).hosts.first { $0.name == "gpu01" })
        #expect(gpu.accepts.first { $0.port == 22 }?.from.map(\.label) == ["internal (10.10.0.0/24)"])
    }

    @Test("the text table names every host and port")
    func table() throws {
        let text = PlanTable.render(try examplePlan())
        for h in ["bastion", "gpu01", "gpu02", "gpu03", "backup"] { #expect(text.contains("\n\(h)  ")) }
        #expect(text.contains("2049/tcp"))
        #expect(text.contains("except bastion (10.10.0.1)"))
    }
}
