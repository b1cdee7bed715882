import Foundation
import Testing
import TestSupport
@testable import Spec

/// docs/cluster.schema.json must describe exactly the keys the decoder accepts, so editors
/// complete what `validate` accepts and flag what it rejects.
@Suite("JSON Schema")
struct SchemaTests {
    func schema() throws -> [String: Any] {
        let data = Data(try Repo.bytes("docs/cluster.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func keys(_ node: Any?, _ path: [String]) throws -> Set<String> {
        var n = node
        for p in path {
            let dict = try #require(n as? [String: Any], "schema path \(path)")
            n = dict[p]
        }
        let props = try #require((n as? [String: Any])?["properties"] as? [String: Any], "no properties at \(path)")
        return Set(props.keys)
    }

    @Test("every object in the schema lists the keys the decoder knows")
    func keysMatchDecoder() throws {
        let s = try schema()
        let P = "properties"
        let cases: [([String], [String])] = [
            ([], SpecKeys.top),
            ([P, "cluster"], SpecKeys.cluster),
            ([P, "networks", "additionalProperties"], SpecKeys.network),
            ([P, "hosts", "items"], SpecKeys.host),
            ([P, "adminAccess"], SpecKeys.adminAccess),
            ([P, "users", "items"], SpecKeys.user),
            ([P, "serviceAccounts", "items"], SpecKeys.serviceAccount),
            ([P, "services", "additionalProperties"], SpecKeys.service),
            ([P, "internal"], SpecKeys.internalPolicy),
            ([P, "nfs"], SpecKeys.nfs),
            ([P, "nfs", P, "exports", "items"], SpecKeys.nfsExport),
            ([P, "logging"], SpecKeys.logging),
            ([P, "smart"], SpecKeys.smart),
            ([P, "monitoring"], SpecKeys.monitoring),
            ([P, "monitoring", P, "notify"], SpecKeys.notify),
            ([P, "monitoring", P, "notify", P, "slack"], SpecKeys.slack),
            ([P, "dashboard"], SpecKeys.dashboard),
            ([P, "backup"], SpecKeys.backup),
            ([P, "backup", P, "keep"], SpecKeys.keep),
            ([P, "security"], SpecKeys.security),
            ([P, "security", P, "ssh"], SpecKeys.ssh),
            ([P, "security", P, "updates"], SpecKeys.updates),
            ([P, "security", P, "bruteForce"], SpecKeys.bruteForce),
            ([P, "projects", "items"], SpecKeys.project),
        ]
        for (path, expected) in cases {
            #expect(try keys(s, path) == Set(expected), "at \(path)")
        }
    }

    @Test("roles in the schema are the roles the decoder knows")
    func roles() throws {
        let s = try schema()
        let defs = try #require(s["$defs"] as? [String: Any])
        let role = try #require(defs["role"] as? [String: Any])
        #expect(Set(try #require(role["enum"] as? [String])) == Set(Role.allCases.map(\.rawValue)))
    }
}
