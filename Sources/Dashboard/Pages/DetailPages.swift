import NodeReport
import Fleet

/// /node/NAME and /user/NAME: the live parts (re-rendered on each update).
enum DetailPages {
    static func node(_ n: NodeView, now: Double) -> String {
        var h = "<h2>\(HTML.escape(n.name))</h2><p>"
        if n.up {
            h += "up · \(n.gpus.count) GPUs · backend \(HTML.escape(n.backend ?? "?"))"
            if let d = n.driverVersion { h += " · driver \(HTML.escape(d))" }
            if !n.tags.isEmpty { h += " · " + HTML.escape(n.tags.joined(separator: ", ")) }
        } else {
            h += "<b>down</b>\(n.downSince.map { " for " + SnapshotBuilder.duration(now - $0) } ?? ""): \(HTML.escape(n.problem ?? "unreachable"))"
            if let l = n.lastSeen { h += " · last report \(HTML.time(l))" }
        }
        h += "</p>"
        if let host = n.host { h += Self.host(host) }
        h += "<table class=\"board\">" + BoardView.row(n, now: now) + "</table>"
        h += "<h2>Processes</h2><table class=\"list\" id=\"processes\"><tr><th>GPU</th><th>PID</th><th>User</th><th>Job</th><th>Memory</th><th>Started</th><th>Command</th></tr>"
        for g in n.gpus {
            for p in g.processes {
                h += "<tr><td>\(g.index)</td><td>\(p.pid)</td><td><a href=\"/user/\(HTML.pathSegment(p.user))\">\(HTML.escape(p.user))</a></td>"
                h += "<td>\(HTML.escape(p.job))</td><td>\(HTML.mib(p.memoryBytes))</td>"
                h += "<td>\(p.startTime.map { SnapshotBuilder.duration(now - $0) + " ago" } ?? "–")</td><td class=\"cmd\">\(HTML.escape(p.command))</td></tr>"
            }
        }
        return h + "</table>"
    }

    /// "load 3.2 on 64 CPUs · memory 120 of 512 GiB used · / 41 % full" (the parts reported).
    static func host(_ h: HostCondition) -> String {
        var parts: [String] = []
        if let l = h.load1 { parts.append("load \(SnapshotBuilder.number((l * 10).rounded() / 10))" + (h.cpus.map { " on \($0) CPUs" } ?? "")) }
        if let t = h.memoryTotalBytes, let a = h.memoryAvailableBytes, t > 0, a <= t {
            parts.append("memory \((t - a) >> 30) of \(t >> 30) GiB used")
        }
        if let t = h.rootTotalBytes, let a = h.rootAvailableBytes, t > 0, a <= t {
            parts.append("/ \(HTML.percent(Double(t - a) / Double(t) * 100)) % full")
        }
        var out = parts.isEmpty ? "" : "<p id=\"host\">Host: \(parts.joined(separator: " · "))</p>"
        if let u = h.updates {
            let checked = u.checkedAt.map { " (checked \(HTML.time($0)))" } ?? ""
            out += "<p id=\"updates\">Updates: \(HTML.escape(u.summary ?? "none pending, no reboot needed"))\(checked)</p>"
        }
        return out
    }

    static func user(_ name: String, _ s: ClusterSnapshot, now: Double) -> String {
        var h = "<h2>\(HTML.escape(name))</h2>"
        guard let u = UserUsage.all(in: s).first(where: { $0.user == name }) else {
            return h + "<p id=\"usage\">No GPU processes right now.</p>"
        }
        h += "<p id=\"usage\">\(u.gpus.count) GPU\(u.gpus.count == 1 ? "" : "s") on \(HTML.escape(u.nodes.joined(separator: ", ")))"
        if let since = u.since { h += " · since \(SnapshotBuilder.duration(now - since)) ago" }
        h += " · \(HTML.mib(u.memoryBytes))"
        if !u.idleHeld.isEmpty { h += " · <b>\(u.idleHeld.count) idle</b> (\(HTML.escape(u.idleHeld.joined(separator: ", "))))" }
        h += "</p><table class=\"list\"><tr><th>GPU</th><th>State</th><th>Util</th><th>Idle since</th><th>Job</th><th>Command</th></tr>"
        for g in s.gpus where g.users.contains(name) {
            for p in g.processes where p.user == name {
                h += "<tr><td><a href=\"/node/\(HTML.pathSegment(g.node))\">\(HTML.escape(g.node))</a>:\(g.index)</td><td>\(g.state.rawValue)</td>"
                h += "<td>\(g.utilization.map { "\(HTML.percent($0)) %" } ?? "–")</td><td>\(g.idleSince.map { SnapshotBuilder.duration(now - $0) + " ago" } ?? "–")</td>"
                h += "<td>\(HTML.escape(p.job))</td><td class=\"cmd\">\(HTML.escape(p.command))</td></tr>"
            }
        }
        return h + "</table>"
    }

    static func users(_ s: ClusterSnapshot, now: Double) -> String {
        let all = UserUsage.all(in: s)
        var h = "<h2>Who holds GPUs</h2><table class=\"list\" id=\"users\"><tr><th>User</th><th>GPUs</th><th>Idle-held</th><th>Nodes</th><th>Memory</th><th>Since</th></tr>"
        for u in all {
            h += "<tr><td><a href=\"/user/\(HTML.pathSegment(u.user))\">\(HTML.escape(u.user))</a></td><td>\(u.gpus.count)</td><td>\(u.idleHeld.count)</td>"
            h += "<td>\(HTML.escape(u.nodes.joined(separator: ", ")))</td><td>\(HTML.mib(u.memoryBytes))</td>"
            h += "<td>\(u.since.map { SnapshotBuilder.duration(now - $0) + " ago" } ?? "–")</td></tr>"
        }
        if all.isEmpty { h += "<tr><td colspan=\"6\">Nobody is using a GPU.</td></tr>" }
        return h + "</table>"
    }
}
