import Fleet

/// The live part of the main page: headline, slots, legend and the board (one row per node,
/// one cell per GPU). Re-rendered on the server for every live update.
enum BoardView {
    static func live(_ s: ClusterSnapshot, now: Double) -> String {
        var h = headline(s)
        h += "<table class=\"board\" id=\"board\">"
        for n in s.nodes { h += row(n, now: now) }
        h += "</table>"
        return h
    }

    static func headline(_ s: ClusterSnapshot) -> String {
        let t = s.totals
        var h = "<div class=\"headline\" id=\"headline\" data-free=\"\(t.free)\" data-total=\"\(t.gpus)\">"
        h += "<span class=\"n\">\(t.free)</span> of \(t.gpus) GPUs free now</div>"
        let multi = s.slots.filter { $0.gpus > 1 }
        var slotText: [String] = []
        for sl in multi {
            let n = sl.nodes.count
            slotText.append("<span data-slot=\"\(sl.gpus)\" data-nodes=\"\(n)\">\(n) node\(n == 1 ? "" : "s") can take a \(sl.gpus)-GPU job</span>")
        }
        h += "<div class=\"slots\" id=\"slots\">\(slotText.isEmpty ? "No node has two free GPUs." : slotText.joined(separator: " · ") + " now.")</div>"
        h += "<div class=\"legend\">"
        for (state, count) in [(GPUState.free, t.free), (.busy, t.busy), (.idleHeld, t.idleHeld), (.maintenance, t.maintenance), (.down, t.down), (.unhealthy, t.unhealthy)] {
            h += "<span><i class=\"\(state.rawValue)\"></i>\(state.rawValue) <b data-count=\"\(state.rawValue)\">\(count)</b></span>"
        }
        h += "</div>"
        return h
    }

    static func row(_ n: NodeView, now: Double) -> String {
        var h = "<tr class=\"\(n.maintenance != nil ? "in-maintenance" : n.up ? "up" : "down")\" data-node=\"\(HTML.attr(n.name))\"><th><a href=\"/node/\(HTML.pathSegment(n.name))\">\(HTML.escape(n.name))</a>"
        if let m = n.maintenance {
            // Planned work, not a fault: said in its own colour, with how long it has taken.
            h += "<span class=\"node-maintenance\" data-maintenance=\"\(m.kind.rawValue)\">\(HTML.escape(m.summary)) for \(SnapshotBuilder.duration(now - m.since))\(n.up ? "" : " (rebooting)")</span>"
        } else if !n.up {
            let since = n.downSince.map { " for " + SnapshotBuilder.duration(now - $0) } ?? ""
            h += "<span class=\"node-problem\" data-down=\"1\">down\(since): \(HTML.escape(n.problem ?? "unreachable"))</span>"
        } else if let p = n.problem {
            h += "<span class=\"node-problem\">\(HTML.escape(p))</span>"
        }
        // Which hosts need a reboot is asked every week: shown on the board, not only the node page.
        if n.needsReboot {
            h += "<span class=\"node-reboot\" data-reboot=\"1\" title=\"\(HTML.attr(n.rebootReason ?? ""))\">needs reboot</span>"
        }
        h += "</th><td><div class=\"cells\">"
        for g in n.gpus { h += cell(g, now: now) }
        h += "</div></td></tr>"
        return h
    }

    static func cell(_ g: GPUView, now: Double) -> String {
        var tip = "\(g.node) GPU \(g.index) · \(g.name) · \(g.uuid)"
        if let r = g.reason { tip += "\n\(r)" }
        for p in g.processes.prefix(8) { tip += "\n\(p.user) pid \(p.pid): \(p.command)" }
        var h = "<div class=\"gpu \(g.state.rawValue)\" data-uuid=\"\(HTML.attr(g.uuid))\" data-state=\"\(g.state.rawValue)\" title=\"\(HTML.attr(tip))\">"
        h += "<b>\(g.index)</b> <span class=\"st\">\(g.state.rawValue)</span>"
        switch g.state {
        case .free:
            h += "<div>\(HTML.mib(g.memoryUsedBytes)) / \(HTML.mib(g.memoryTotalBytes))</div>"
        case .busy, .idleHeld, .unhealthy:
            if !g.users.isEmpty { h += "<div class=\"user\">\(g.users.map { "<a style=\"color:#fff\" href=\"/user/\(HTML.pathSegment($0))\">\(HTML.escape($0))</a>" }.joined(separator: ", "))</div>" }
            if let p = g.processes.first {
                h += "<div class=\"cmd\">\(HTML.escape(String(p.command.prefix(60))))</div>"
            } else if !g.jobs.isEmpty {
                h += "<div>\(HTML.escape(g.jobs.joined(separator: ", ")))</div>"
            }
            if let r = g.reason, g.state != .busy { h += "<div>\(HTML.escape(r))</div>" }
            h += "<div>\(HTML.mib(g.memoryUsedBytes)) · \(g.utilization.map { "\(HTML.percent($0)) %" } ?? "– %")</div>"
            if let u = g.utilization { h += "<div class=\"bar\"><i style=\"width:\(HTML.percent(u))%\"></i></div>" }
        case .down, .maintenance:
            h += "<div>\(HTML.escape(g.reason ?? g.state.rawValue))</div>"
        }
        return h + "</div>"
    }
}
