import Fleet
import History

/// The history section: free GPUs over the chosen range, utilization per node, and GPU-hours
/// per user per day.
enum HistoryView {
    static let palette = ["#2f6fb3", "#e07b00", "#2e9d4f", "#9b4dca", "#c62828", "#00838f", "#8d6e63", "#5c6bc0", "#999999"]

    static func render(store: HistoryStore, range: HistoryStore.Range, now: Double) async -> String {
        var h = "<section id=\"history\"><h2>History</h2><div class=\"tabs\">"
        for r in HistoryStore.Range.allCases {
            h += "<a href=\"/?range=\(r.rawValue)#history\" class=\"\(r == range ? "on" : "")\">\(r.rawValue)</a>"
        }
        h += "</div><div class=\"charts\">"
        let from = now - Double(range.seconds)
        do {
            let points = try await store.cluster(range, now: now)
            let maxGPUs = points.map(\.gpus).max()
            func series(_ label: String, _ color: String, _ v: (HistoryStore.Point) -> Double) -> SVGChart.Series {
                SVGChart.Series(label: label, color: color, points: points.map { (Double($0.ts), v($0)) })
            }
            h += "<figure><figcaption>Free GPUs, last \(range.rawValue)</figcaption>"
            h += SVGChart.lines([series("free", "#2e9d4f", \.free), series("idle-held", "#9b4dca", \.idleHeld),
                                 series("down", "#6b6b6b", \.down)],
                                from: from, to: now, yMax: maxGPUs, yLabel: "GPUs", area: true, title: "Free GPUs over the last \(range.rawValue)")
            h += "</figure>"

            let byNode = try await store.utilizationByNode(range, now: now)
            let buckets = 48
            let width = Double(range.seconds) / Double(buckets)
            let names = byNode.keys.sorted()
            let rows: [(label: String, values: [Double?])] = names.prefix(64).map { name in
                var sums = [Double](repeating: 0, count: buckets), counts = [Int](repeating: 0, count: buckets)
                for p in byNode[name] ?? [] {
                    let i = Int((Double(p.ts) - from) / width)
                    guard i >= 0, i < buckets else { continue }
                    sums[i] += p.util; counts[i] += 1
                }
                return (name, (0..<buckets).map { counts[$0] == 0 ? nil : sums[$0] / Double(counts[$0]) })
            }
            h += "<figure><figcaption>GPU utilization per node, last \(range.rawValue)\(names.count > 64 ? " (first 64 of \(names.count) nodes)" : "")</figcaption>"
            h += rows.isEmpty ? SVGChart.lines([], from: from, to: now, yMax: 100, yLabel: "%", title: "Utilization per node")
                : SVGChart.heatmap(rows: rows, from: from, to: now, title: "GPU utilization per node")
            h += "</figure>"

            let days = 14
            let usage = try await store.gpuHoursByUser(days: days, now: now)
            let firstDay = Int64(now / 86_400) * 86_400 - Int64(days - 1) * 86_400
            let dayList = (0..<days).map { firstDay + Int64($0) * 86_400 }
            var totals: [String: Double] = [:]
            for u in usage { totals[u.user, default: 0] += u.gpuHours }
            let top = totals.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(8).map(\.key)
            var stacks: [(label: String, color: String, values: [Int64: Double])] = top.enumerated().map { i, user in
                (user, palette[i], Dictionary(usage.filter { $0.user == user }.map { ($0.day, $0.gpuHours) }, uniquingKeysWith: +))
            }
            let others = usage.filter { !top.contains($0.user) }
            if !others.isEmpty {
                stacks.append(("others", palette[8], Dictionary(others.map { ($0.day, $0.gpuHours) }, uniquingKeysWith: +)))
            }
            h += "<figure><figcaption>GPU-hours per user per day (last \(days) days)"
            h += stacks.isEmpty ? "" : ": " + stacks.map { "<span style=\"color:\($0.color)\">■</span> \(HTML.escape($0.label))" }.joined(separator: " ")
            h += "</figcaption>" + SVGChart.stackedBars(days: dayList, stacks: stacks, title: "GPU-hours per user per day") + "</figure>"
        } catch {
            h += "<p>History unavailable: \(HTML.escape(String(describing: error)))</p>"
        }
        return h + "</div></section>"
    }
}
