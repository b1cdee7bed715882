import NodeReport
import HostSystem
import Foundation

/// `gpucluster status`: the dashboard's board as text, one line per GPU, coloured on a TTY.
/// Names come from cluster users (process names, user names): control characters are shown
/// escaped so a process cannot move the cursor or recolour the terminal.
public struct TerminalBoard: Sendable {
    public enum Filter: Sendable, Equatable {
        case all, free, user(String)

        public func includes(_ g: GPUView) -> Bool {
            switch self {
            case .all: return true
            case .free: return g.state == .free
            case .user(let u): return g.users.contains(u)
            }
        }
    }

    public var color: Bool
    public var filter: Filter
    public var now: Double

    public init(color: Bool, filter: Filter = .all, now: Double) {
        self.color = color; self.filter = filter; self.now = now
    }

    public func render(_ s: ClusterSnapshot) -> String {
        var out = headline(s) + "\n"
        if let e = s.sourceError { out += paint("! source: \(Self.sanitize(e))", "1;31") + "\n" }
        for n in s.nodes {
            let gpus = n.gpus.filter(filter.includes)
            if gpus.isEmpty, filter != .all { continue }
            var head = paint(Self.sanitize(n.name), "1")
            if let m = n.maintenance {
                // The summary is the file's fixed vocabulary, never free text.
                head += "  " + paint("\(m.summary.uppercased()) for \(SnapshotBuilder.duration(now - m.since))\(n.up ? "" : " (rebooting or unreachable)")", "36")
            } else if !n.up {
                let since = n.downSince.map { " for \(SnapshotBuilder.duration(now - $0))" } ?? ""
                head += "  " + paint("DOWN\(since): \(Self.sanitize(n.problem ?? "unreachable"))", "31")
            } else if let p = n.problem {
                head += "  " + paint(Self.sanitize(p), "31")
            }
            if n.up, let u = n.host?.updates, let summary = u.summary {
                head += "  " + paint(Self.sanitize(summary), u.rebootRequired == true ? "33" : "2")
            }
            out += head + "\n"
            for g in gpus { out += "  " + line(g) + "\n" }
        }
        return out
    }

    public func headline(_ s: ClusterSnapshot) -> String {
        let t = s.totals
        var h = "\(t.free) of \(t.gpus) GPUs free"
        if t.idleHeld > 0 { h += ", \(t.idleHeld) idle-held" }
        if t.maintenance > 0 { h += ", \(t.maintenance) in maintenance" }
        if t.down > 0 { h += ", \(t.down) down" }
        if t.unhealthy > 0 { h += ", \(t.unhealthy) unhealthy" }
        let reboot = s.nodes.filter(\.needsReboot).count
        if reboot > 0 { h += ", \(reboot) host\(reboot == 1 ? "" : "s") to reboot" }
        let slots = s.slots.filter { $0.gpus > 1 && !$0.nodes.isEmpty }.map { "\($0.nodes.count)×\($0.gpus)-GPU" }
        if !slots.isEmpty { h += "; slots: " + slots.joined(separator: ", ") }
        return h
    }

    func line(_ g: GPUView) -> String {
        let state: String
        switch g.state {
        case .free: state = paint("free     ", "32")
        case .busy: state = paint("busy     ", "33")
        case .idleHeld: state = paint("idle-held", "35")
        case .maintenance: state = paint("maint.   ", "36")
        case .down: state = paint("down     ", "31")
        case .unhealthy: state = paint("unhealthy", "1;31")
        }
        var parts = ["[\(g.index)]", state]
        let mem: String
        if let u = g.memoryUsedBytes, let t = g.memoryTotalBytes {
            mem = "\(u >> 20) / \(t >> 20) MiB"
        } else { mem = "- MiB" }
        parts.append(mem.padding(toLength: 20, withPad: " ", startingAt: 0))
        parts.append((g.utilization.map { String(format: "%3.0f %%", $0) } ?? "  - %"))
        if !g.users.isEmpty { parts.append(Self.sanitize(g.users.joined(separator: ","))) }
        if !g.jobs.isEmpty { parts.append("(" + Self.sanitize(g.jobs.joined(separator: ", ")) + ")") }
        if let r = g.reason, g.state != .busy || g.users.isEmpty { parts.append("— " + Self.sanitize(r)) }
        return parts.joined(separator: " ")
    }

    func paint(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }

    /// Control characters (C0, DEL, C1) and bidi overrides become visible escapes.
    public static func sanitize(_ s: String, max: Int = 120) -> String {
        TerminalText.printable(s, max: max)
    }
}

extension ClusterSnapshot {
    /// Only the GPUs the filter keeps, and only nodes left with some (`status --json --free`).
    public func filtered(_ filter: TerminalBoard.Filter) -> ClusterSnapshot {
        guard filter != .all else { return self }
        var out = self
        out.nodes = nodes.map { n in
            var n = n
            n.gpus = n.gpus.filter(filter.includes)
            return n
        }.filter { !$0.gpus.isEmpty }
        return out
    }
}
