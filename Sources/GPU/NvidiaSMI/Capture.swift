/// The nvidia_gpu_exporter capture format: a header, then sections headed
/// `# <state> :: <name>` / `# $ <command>` between rows of `#`.
public enum Capture {
    public struct Section: Sendable {
        public var state: String
        public var name: String
        public var command: String
        public var body: String
    }

    public static func sections(_ text: String) -> [Section] {
        var out: [Section] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var i = 0
        var current: Section?
        var body: [Substring] = []
        func flush() {
            if var c = current {
                while let last = body.last, last.allSatisfy(\.isWhitespace) { body.removeLast() }
                c.body = body.joined(separator: "\n")
                out.append(c)
            }
            body = []
        }
        while i < lines.count {
            let line = lines[i]
            if line.hasPrefix("####"), i + 3 < lines.count, lines[i + 1].hasPrefix("# "), lines[i + 1].contains(" :: "),
               lines[i + 2].hasPrefix("# $ "), lines[i + 3].hasPrefix("####") {
                flush()
                let head = lines[i + 1].dropFirst(2)
                let parts = head.split(separator: " :: ", omittingEmptySubsequences: false).map(String.init)
                current = Section(state: parts.first ?? "", name: parts.dropFirst().joined(separator: " :: "),
                                  command: String(lines[i + 2].dropFirst(4)), body: "")
                i += 4
                continue
            }
            if current != nil { body.append(line) }
            i += 1
        }
        flush()
        return out
    }

    /// The `--query-gpu` and `--query-compute-apps` CSV sections of one state (`idle`, `load`).
    public static func collection(_ text: String, state: String) -> GPUCollection? {
        let secs = sections(text).filter { $0.state == state }
        guard let gpuSec = secs.first(where: { $0.command.contains("--query-gpu=") }) else { return nil }
        var c = GPUCollection(backend: "nvidia-smi", backendUp: true)
        c.gpus = QueryCSV.parseGPUs(gpuSec.body)
        if let driverRow = QueryCSV.rows(gpuSec.body).first, let d = driverRow["driver_version"].flatMap(SMIValue.text) {
            c.driverVersion = d
        }
        if let apps = secs.first(where: { $0.command.contains("--query-compute-apps=") }) {
            for (uuid, p) in QueryCSV.parseApps(apps.body) {
                if let gi = c.gpus.firstIndex(where: { $0.uuid == uuid }) { c.gpus[gi].processes.append(p) }
            }
        }
        return c
    }
}

#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif
