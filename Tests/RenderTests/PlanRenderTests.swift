import Foundation
import Planning
import Render
import Spec
import Testing
import TestSupport
import Yams

/// `plan` promises what `render` installs: for every host, the Ansible roles the rendered
/// site.yml and inventory apply to it are the roles plan lists, and every daemon plan says
/// the host runs is installed by one of those roles (its unit is in that role's files).
@Suite("plan = render")
struct PlanRenderTests {
    /// The Ansible roles site.yml applies to each host, read back from the rendered files.
    static func rolesBySiteYML(_ files: [RenderedFile]) throws -> [String: [String]] {
        func text(_ path: String) throws -> String { try #require(files.first { $0.path == path }, "no \(path)").content }
        let plays = try #require(try Yams.load(yaml: text("site.yml")) as? [[String: Any]], "site.yml is not a list of plays")
        let inventory = try #require(try Yams.load(yaml: text("inventory/hosts.yml")) as? [String: Any])
        let all = try #require(inventory["all"] as? [String: Any])
        let everyHost = try #require(all["hosts"] as? [String: Any]).keys
        let children = (all["children"] as? [String: Any]) ?? [:]
        func members(_ group: String) -> [String] {
            group == "all" ? Array(everyHost) : Array(((children[group] as? [String: Any])?["hosts"] as? [String: Any] ?? [:]).keys)
        }
        var out: [String: [String]] = [:]
        for host in everyHost { out[host] = [] }
        for play in plays {
            let group = try #require(play["hosts"] as? String)
            let roles = try #require(play["roles"] as? [String])
            for host in members(group) { out[host, default: []] += roles }
        }
        return out
    }

    /// Every disagreement between a plan and the rendered project, as readable lines.
    static func mismatches(_ plan: ClusterPlan, _ files: [RenderedFile]) throws -> [String] {
        let site = try rolesBySiteYML(files)
        var out: [String] = []
        for h in plan.hosts {
            let rendered = site[h.name] ?? []
            if rendered != h.applies { out.append("\(h.name): plan applies \(h.applies), site.yml \(rendered)") }
            for d in h.runs {
                if !rendered.contains(d.role) { out.append("\(h.name): plan runs \(d.text), but site.yml does not apply role \(d.role)") }
                let roleText = files.filter { $0.path.hasPrefix("roles/\(d.role)/") }.map(\.content).joined()
                // The main play's packages are installed by base, from the host's `base_packages`.
                let installedByBase = try HostPackagesOf.host(h.name, files).contains(d.unit)
                if !roleText.contains(d.unit) && !installedByBase {
                    out.append("\(h.name): \(d.text): role \(d.role) never mentions \(d.unit), nor does the host's base_packages")
                }
            }
        }
        if Set(site.keys) != Set(plan.hosts.map(\.name)) { out.append("hosts differ: \(site.keys.sorted()) vs \(plan.hosts.map(\.name))") }
        return out
    }

    static func specs() throws -> [(String, ClusterSpec)] {
        var out = [("examples/cluster.yaml", try RenderTests.example())]
        let lab = try String(contentsOfFile: Repo.path("Tests/LabTests/lab-cluster.yaml"), encoding: .utf8)
        out.append(("the lab spec", try RenderTests.spec(lab)))
        let python = try #require(Tools.find("python3"), "python3 is needed to generate the benchmark spec")
        let big = try Tools.run(python, [Repo.path("benchmarks/spec/generate.py"), "40", "12"])
        #expect(big.status == 0, "\(big.error)")
        out.append(("benchmarks/spec/generate.py 40 12", try RenderTests.spec(big.output)))
        return out
    }

    @Test("for every host of the example, the lab and the benchmark spec, plan's roles and daemons are render's plays")
    func planIsRender() throws {
        for (name, spec) in try Self.specs() {
            let plan = Planner.plan(spec)
            #expect(plan.hosts.count == spec.hosts.count)
            #expect(plan.hosts.allSatisfy { !$0.runs.isEmpty && $0.applies.contains("firewall") }, "\(name): every host runs something")
            let problems = try Self.mismatches(plan, AnsibleProject.render(spec))
            #expect(problems.isEmpty, "\(name):\n\(problems.joined(separator: "\n"))")
        }
    }

    @Test("a play render leaves out, or a daemon no role installs, is caught (the check can fail)")
    func brokenOnPurpose() throws {
        let spec = try RenderTests.example()
        let plan = Planner.plan(spec)
        var files = AnsibleProject.render(spec)
        // A play dropped from site.yml: the dashboard host no longer gets its role.
        let i = try #require(files.firstIndex { $0.path == "site.yml" })
        files[i].content = files[i].content.replacingOccurrences(of: "    - dashboard\n", with: "    - base\n")
        let dropped = try Self.mismatches(plan, files)
        #expect(dropped.contains { $0.contains("does not apply role dashboard") }, "\(dropped)")
        // A promise no role keeps (what plan used to say about notify and the NVIDIA driver).
        var promising = plan
        promising.hosts[0].runs.append(Daemon(role: "prometheus", unit: "gpucluster-notify", text: "gpucluster notify → Slack"))
        let promised = try Self.mismatches(promising, AnsibleProject.render(spec))
        #expect(promised.contains { $0.contains("never mentions gpucluster-notify") }, "\(promised)")
    }
}

/// A host's `base_packages` as rendered in its host vars (PyYAML-free: the list's `  - NAME` lines).
enum HostPackagesOf {
    static func host(_ name: String, _ files: [RenderedFile]) throws -> [String] {
        guard let text = files.first(where: { $0.path == "inventory/host_vars/\(name).yml" })?.content else { return [] }
        var out: [String] = [], inList = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "base_packages:" { inList = true; continue }
            guard inList else { continue }
            guard line.hasPrefix("  - ") else { break }
            out.append(String(line.dropFirst(4)))
        }
        return out
    }
}
