import Foundation

/// Charts drawn on the server as inline SVG: no script, no CDN, works air-gapped.
enum SVGChart {
    struct Series {
        var label: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    /// A line/area chart with time on x. `yMax` fixes the scale (e.g. total GPUs).
    static func lines(_ series: [Series], from: Double, to: Double, yMax: Double?, yLabel: String,
                      width: Int = 720, height: Int = 180, area: Bool = false, title: String) -> String {
        let left = 44.0, right = 8.0, top = 10.0, bottom = 24.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        let maxY = max(1, yMax ?? (series.flatMap { $0.points.map(\.y) }.max() ?? 1))
        let span = max(1, to - from)
        func px(_ x: Double) -> Double { left + (x - from) / span * w }
        func py(_ y: Double) -> Double { top + h - min(max(y, 0), maxY) / maxY * h }
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.attr(title))\"><title>\(HTML.escape(title))</title>"
        // Grid: 4 horizontal lines with values; time ticks at both ends and the middle.
        for i in 0...4 {
            let v = maxY * Double(i) / 4
            let y = py(v)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + w))\" y2=\"\(f(y))\" class=\"grid\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\" class=\"tick\">\(SVGChart.number(v))</text>"
        }
        for (i, t) in [from, from + span / 2, to].enumerated() {
            let anchor = i == 0 ? "start" : i == 1 ? "middle" : "end"
            s += "<text x=\"\(f(px(t)))\" y=\"\(height - 6)\" text-anchor=\"\(anchor)\" class=\"tick\">\(timeTick(t, span: span))</text>"
        }
        s += "<text x=\"4\" y=\"\(f(top + 2))\" class=\"tick\" dominant-baseline=\"hanging\" transform=\"rotate(0)\">\(HTML.escape(yLabel))</text>"
        for series in series where !series.points.isEmpty {
            let pts = series.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            if area, let first = series.points.first, let last = series.points.last {
                s += "<polygon points=\"\(f(px(first.x))),\(f(py(0))) \(pts) \(f(px(last.x))),\(f(py(0)))\" fill=\"\(series.color)\" fill-opacity=\"0.25\"/>"
            }
            s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\"><title>\(HTML.escape(series.label))</title></polyline>"
        }
        if series.allSatisfy({ $0.points.isEmpty }) {
            s += "<text x=\"\(f(left + w / 2))\" y=\"\(f(top + h / 2))\" text-anchor=\"middle\" class=\"empty\">no history yet</text>"
        }
        return s + "</svg>"
    }

    /// Stacked bars per day (GPU-hours per user per day).
    static func stackedBars(days: [Int64], stacks: [(label: String, color: String, values: [Int64: Double])],
                            width: Int = 720, height: Int = 200, title: String) -> String {
        let left = 44.0, right = 8.0, top = 10.0, bottom = 24.0
        let w = Double(width) - left - right, h = Double(height) - top - bottom
        var totals: [Int64: Double] = [:]
        for st in stacks { for (d, v) in st.values { totals[d, default: 0] += v } }
        let maxY = max(1, totals.values.max() ?? 1)
        let slot = w / Double(max(1, days.count))
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.attr(title))\"><title>\(HTML.escape(title))</title>"
        for i in 0...4 {
            let v = maxY * Double(i) / 4
            let y = top + h - v / maxY * h
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + w))\" y2=\"\(f(y))\" class=\"grid\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\" class=\"tick\">\(SVGChart.number(v))</text>"
        }
        for (i, d) in days.enumerated() {
            var y = top + h
            let x = left + Double(i) * slot + slot * 0.15
            for st in stacks {
                guard let v = st.values[d], v > 0 else { continue }
                let bh = v / maxY * h
                y -= bh
                s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(slot * 0.7))\" height=\"\(f(bh))\" fill=\"\(st.color)\"><title>\(HTML.escape(st.label)): \(SVGChart.number(v)) GPU-h</title></rect>"
            }
            if days.count <= 16 || i % 2 == 0 {
                s += "<text x=\"\(f(x + slot * 0.35))\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"tick\">\(dayTick(d))</text>"
            }
        }
        if totals.isEmpty {
            s += "<text x=\"\(f(left + w / 2))\" y=\"\(f(top + h / 2))\" text-anchor=\"middle\" class=\"empty\">no GPU-hours recorded yet</text>"
        }
        return s + "</svg>"
    }

    /// Rows = nodes, columns = time buckets, colour = mean utilization.
    static func heatmap(rows: [(label: String, values: [Double?])], from: Double, to: Double,
                        width: Int = 720, title: String) -> String {
        let left = 90.0, right = 8.0, top = 4.0, rowH = 12.0, bottom = 20.0
        let cols = rows.first?.values.count ?? 0
        let height = Int(top + rowH * Double(rows.count) + bottom)
        let cw = (Double(width) - left - right) / Double(max(1, cols))
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.attr(title))\"><title>\(HTML.escape(title))</title>"
        for (r, row) in rows.enumerated() {
            let y = top + Double(r) * rowH
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y + rowH - 3))\" text-anchor=\"end\" class=\"tick\">\(HTML.escape(row.label))</text>"
            for (c, v) in row.values.enumerated() {
                guard let v else { continue }
                s += "<rect x=\"\(f(left + Double(c) * cw))\" y=\"\(f(y))\" width=\"\(f(cw + 0.3))\" height=\"\(f(rowH - 1))\" fill=\"\(heat(v))\"><title>\(HTML.percent(v)) %</title></rect>"
            }
        }
        s += "<text x=\"\(f(left))\" y=\"\(height - 6)\" class=\"tick\">\(timeTick(from, span: to - from))</text>"
        s += "<text x=\"\(width - 8)\" y=\"\(height - 6)\" text-anchor=\"end\" class=\"tick\">\(timeTick(to, span: to - from))</text>"
        return s + "</svg>"
    }

    static func heat(_ pct: Double) -> String {
        // light grey-blue (idle) → deep orange (busy)
        let t = pct.isFinite ? min(max(pct / 100, 0), 1) : 0
        let r = Int(230 - (230 - 217) * t), g = Int(236 - (236 - 95) * t), b = Int(242 - (242 - 2) * t)
        return "rgb(\(r),\(g),\(b))"
    }

    static func f(_ d: Double) -> String { String(format: "%.1f", d) }

    static func number(_ d: Double) -> String {
        guard d.isFinite, abs(d) < 1e15 else { return "?" }
        return d >= 100 || d == d.rounded() ? String(Int(d.rounded())) : String(format: "%.1f", d)
    }

    static func timeTick(_ t: Double, span: Double) -> String {
        UTC.format(t, span <= 86_400 * 1.5 ? "%H:%M" : "%b %d")
    }

    static func dayTick(_ d: Int64) -> String {
        UTC.format(Double(d), "%m-%d")
    }
}
