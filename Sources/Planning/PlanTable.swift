import Spec

/// The plan as text for a terminal: one block per host, aligned columns.
public enum PlanTable {
    public static func render(_ plan: ClusterPlan) -> String {
        let title = { (os: String) in OSRelease(rawValue: os)?.title ?? os }
        var out = "cluster \(plan.cluster): \(plan.hosts.count) hosts on \(title(plan.os)), \(plan.users.count) users"
            + " (accounts on every host, same uid/gid; sudo: \(plan.admins.isEmpty ? "nobody" : plan.admins.joined(separator: ", ")))\n"
        for h in plan.hosts {
            out += "\n\(h.name)  " + h.addresses.map { "\($0.address) (\($0.network))" }.joined(separator: ", ") + "\n"
            func row(_ label: String, _ value: String) {
                out += "  " + label.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + value + "\n"
            }
            if h.os != plan.os { row("os", "\(title(h.os)), not the cluster's \(title(plan.os))") }
            row("roles", h.roles.joined(separator: ", ") + (h.gpus.map { ", \($0) GPUs" } ?? "")
                + (h.tags.isEmpty ? "" : " [\(h.tags.joined(separator: ", "))]"))
            if !h.serviceAccounts.isEmpty {
                row("service", h.serviceAccounts.map { "\($0.name) uid \($0.uid) (\($0.sudo.count) exact sudo commands)" }
                    .joined(separator: ", "))
            }
            row("runs", h.runs.map(\.text).joined(separator: ", "))
            if h.accepts.isEmpty {
                row("accepts", "nothing (every port closed)")
            }
            for (i, p) in h.accepts.enumerated() {
                let port = "\(p.port)/\(p.proto)".padding(toLength: 9, withPad: " ", startingAt: 0)
                let svc = p.service.padding(toLength: 10, withPad: " ", startingAt: 0)
                var from = "from " + p.from.map(\.label).joined(separator: ", ")
                if !p.except.isEmpty { from += " except " + p.except.map(\.label).joined(separator: ", ") }
                row(i == 0 ? "accepts" : "", "\(port) \(svc) \(from)")
            }
            row("logs", h.logs)
            if let n = h.nfs { row("nfs", n) }
            if let b = h.backup { row("backup", b) }
        }
        return out
    }
}
