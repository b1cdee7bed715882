#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif

/// Reads `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` and `--query-compute-apps`
/// output. Columns are found by name, so any field list (the agent's short one, the
/// exporters' 200-column one) works; headers may carry units (`memory.used [MiB]`).
public enum QueryCSV {
    /// The fields the agent's fallback asks for, in this order (used when there is no header).
    public static let gpuFields = [
        "index", "uuid", "name", "driver_version", "memory.total", "memory.used", "memory.reserved",
        "utilization.gpu", "utilization.memory", "temperature.gpu", "fan.speed", "power.draw", "enforced.power.limit",
        "clocks.current.graphics", "clocks.current.sm", "clocks.current.memory", "clocks.current.video",
        "clocks.max.graphics", "clocks.max.sm", "clocks.max.memory",
        "ecc.errors.corrected.aggregate.total", "ecc.errors.uncorrected.aggregate.total",
        "pstate", "mig.mode.current", "clocks_event_reasons.active",
    ]
    public static let appFields = ["gpu_uuid", "pid", "process_name", "used_gpu_memory"]

    /// Splits one CSV line (nvidia-smi separates with ", "; quotes are honored if present).
    public static func cells(_ line: Substring) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        for ch in line {
            if ch == "\"" { quoted.toggle(); continue }
            if ch == "," && !quoted { out.append(cur.trimmed()); cur = ""; continue }
            cur.append(ch)
        }
        out.append(cur.trimmed())
        return out
    }

    /// A query field name such as `memory.used` or `gpu_uuid`: `[A-Za-z_][A-Za-z0-9_.]*`.
    static func isFieldName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    /// `memory.used [MiB]` → `memory.used`.
    static func fieldName(_ header: String) -> String {
        var h = header.trimmed()
        if let b = h.firstIndex(of: "[") { h = String(h[..<b]).trimmed() }
        return h
    }

    /// Rows as field → cell. `fields` is used when the text has no header line.
    public static func rows(_ text: String, fields: [String]? = nil) -> [[String: String]] {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).filter { !$0.allSatisfy(\.isWhitespace) }
        guard !lines.isEmpty else { return [] }
        let names: [String]
        let firstCells = cells(lines[0]).map(fieldName)
        // A header is all field names (`memory.used`, `gpu_uuid`); data rows have numbers,
        // UUIDs and versions in them.
        let isHeader = firstCells.allSatisfy { isFieldName($0) }
        if isHeader {
            names = firstCells
            lines.removeFirst()
        } else if let fields {
            names = fields
        } else {
            return []
        }
        return lines.map { line in
            let cs = cells(line)
            var row: [String: String] = [:]
            for (i, n) in names.enumerated() where i < cs.count { row[n] = cs[i] }
            return row
        }
    }

    /// First present value among alternative field names (names changed across drivers).
    static func pick(_ row: [String: String], _ names: String...) -> String? {
        for n in names { if let v = row[n] { return v } }
        return nil
    }

    public static func parseGPUs(_ text: String, fields: [String]? = nil) -> [GPUReading] {
        rows(text, fields: fields).enumerated().map { i, row in
            let index = pick(row, "index").flatMap(SMIValue.index) ?? i
            var r = GPUReading(index: index, uuid: pick(row, "uuid", "gpu_uuid").flatMap(SMIValue.text) ?? "unknown-index-\(index)",
                               name: pick(row, "name", "gpu_name").flatMap(SMIValue.text) ?? "")
            r.memoryTotalBytes = pick(row, "memory.total").flatMap { SMIValue.bytes($0) }
            r.memoryUsedBytes = pick(row, "memory.used").flatMap { SMIValue.bytes($0) }
            r.memoryReservedBytes = pick(row, "memory.reserved").flatMap { SMIValue.bytes($0) }
            if r.memoryTotalBytes == nil, let used = r.memoryUsedBytes, let free = pick(row, "memory.free").flatMap({ SMIValue.bytes($0) }) {
                // Each part is below 2^53, so the sum cannot overflow.
                r.memoryTotalBytes = used + free + (r.memoryReservedBytes ?? 0)
            }
            r.utilizationGPU = pick(row, "utilization.gpu").flatMap(SMIValue.percent)
            r.utilizationMemory = pick(row, "utilization.memory").flatMap(SMIValue.percent)
            r.temperatureCelsius = pick(row, "temperature.gpu").flatMap(SMIValue.number)
            r.fanPercent = pick(row, "fan.speed").flatMap(SMIValue.percent)
            r.powerWatts = pick(row, "power.draw", "power.draw.instant", "power.draw.average").flatMap(SMIValue.number)
            r.powerLimitWatts = pick(row, "enforced.power.limit", "power.limit").flatMap(SMIValue.number)
            for (label, names) in [("graphics", ["clocks.current.graphics", "clocks.gr"]), ("sm", ["clocks.current.sm", "clocks.sm"]),
                                   ("memory", ["clocks.current.memory", "clocks.mem"]), ("video", ["clocks.current.video", "clocks.video"])] {
                if let v = names.lazy.compactMap({ row[$0] }).first.flatMap(SMIValue.number) { r.clocksMHz[label] = v }
            }
            for (label, names) in [("graphics", ["clocks.max.graphics", "clocks.max.gr"]), ("sm", ["clocks.max.sm"]),
                                   ("memory", ["clocks.max.memory", "clocks.max.mem"])] {
                if let v = names.lazy.compactMap({ row[$0] }).first.flatMap(SMIValue.number) { r.maxClocksMHz[label] = v }
            }
            r.eccCorrected = pick(row, "ecc.errors.corrected.aggregate.total").flatMap(SMIValue.count)
            r.eccUncorrected = pick(row, "ecc.errors.uncorrected.aggregate.total").flatMap(SMIValue.count)
            r.performanceState = pick(row, "pstate").flatMap(SMIValue.pstate)
            if let mig = pick(row, "mig.mode.current").flatMap(SMIValue.text) { r.migEnabled = mig == "Enabled" }
            r.throttleReasons = pick(row, "clocks_event_reasons.active", "clocks_throttle_reasons.active").flatMap(SMIValue.hex)
            return r
        }
    }

    /// Compute apps as (GPU UUID, process).
    public static func parseApps(_ text: String, fields: [String]? = nil) -> [(uuid: String, process: GPUProcess)] {
        rows(text, fields: fields).compactMap { row in
            guard let uuid = pick(row, "gpu_uuid").flatMap(SMIValue.text),
                  let pid = pick(row, "pid").flatMap(SMIValue.number), pid >= 0, pid <= Double(Int32.max) else { return nil }
            var p = GPUProcess(pid: Int32(pid), usedMemoryBytes: pick(row, "used_gpu_memory", "used_memory").flatMap { SMIValue.bytes($0) })
            p.processName = pick(row, "process_name", "name").flatMap(SMIValue.text)
            return (uuid, p)
        }
    }
}
