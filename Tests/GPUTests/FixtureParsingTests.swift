import NodeReport
import Foundation
import Testing
import TestSupport
@testable import GPU

/// The fallback parsers read every real nvidia-smi output in shared/fixtures, with the values in the file.
@Suite("nvidia-smi fixtures")
struct FixtureParsingTests {
    @Test("the fixtures are there")
    func present() {
        #expect(Fixtures.all().count >= 30, "expected the fixtures at \(Fixtures.nvidiaSMI)")
    }

    /// Parses a file by its kind; returns what it found.
    static func parse(_ name: String) throws -> [GPUCollection] {
        let text = try Fixtures.text(name)
        if name.hasSuffix(".xml") { return [try QueryXML.parse(text)] }
        if name.hasSuffix("-capture.txt") {
            return ["idle", "load"].compactMap { Capture.collection(text, state: $0) }
        }
        if name.contains("compute-apps") {
            var c = GPUCollection(backend: "nvidia-smi", backendUp: true)
            var g = GPUReading(index: 0, uuid: "apps", name: "")
            g.processes = QueryCSV.parseApps(text).map(\.process)
            c.gpus = [g]
            return [c]
        }
        return [GPUCollection(backend: "nvidia-smi", backendUp: true, gpus: QueryCSV.parseGPUs(text))]
    }

    @Test("every fixture parses and yields GPUs (or processes)", arguments: Fixtures.all())
    func everyFixture(_ name: String) throws {
        let cs = try Self.parse(name)
        #expect(!cs.isEmpty, "\(name): nothing parsed")
        for c in cs {
            #expect(!c.gpus.isEmpty, "\(name): no GPUs")
            for g in c.gpus where g.uuid != "apps" {
                #expect(g.uuid.hasPrefix("GPU-"), "\(name): uuid \(g.uuid)")
                #expect(!g.name.isEmpty, "\(name): no name")
            }
        }
    }

    /// An independent reading of one cell, for comparison: the leading number, or nil when missing.
    static func cellNumber(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("[") || t == "N/A" { return nil }
        guard let r = t.range(of: #"^-?[0-9]+(\.[0-9]+)?"#, options: .regularExpression) else { return nil }
        return Double(t[r])
    }

    @Test("query-gpu CSV values equal the cells, in every CSV and capture section",
          arguments: Fixtures.all().filter { $0.contains("query-gpu") || $0.hasSuffix("-capture.txt") })
    func csvValuesMatchCells(_ name: String) throws {
        let text = try Fixtures.text(name)
        let bodies: [String] = name.hasSuffix("-capture.txt")
            ? Capture.sections(text).filter { $0.command.contains("--query-gpu=") }.map(\.body)
            : [text]
        #expect(!bodies.isEmpty)
        for body in bodies {
            let lines = body.split(separator: "\n").filter { !$0.isEmpty }
            let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).components(separatedBy: " [")[0] }
            let gpus = QueryCSV.parseGPUs(body)
            #expect(gpus.count == lines.count - 1)
            for (row, g) in zip(lines.dropFirst(), gpus) {
                let cells = Dictionary(zip(header, row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)),
                                       uniquingKeysWith: { a, _ in a })
                let checks: [(String, Double?)] = [
                    ("memory.total", g.memoryTotalBytes.map { Double($0) / 1_048_576 }),
                    ("memory.used", g.memoryUsedBytes.map { Double($0) / 1_048_576 }),
                    ("utilization.gpu", g.utilizationGPU), ("utilization.memory", g.utilizationMemory),
                    ("temperature.gpu", g.temperatureCelsius), ("fan.speed", g.fanPercent),
                    ("power.draw", g.powerWatts), ("enforced.power.limit", g.powerLimitWatts),
                    ("clocks.current.graphics", g.clocksMHz["graphics"]), ("clocks.current.memory", g.clocksMHz["memory"]),
                ]
                for (field, parsed) in checks {
                    guard let cell = cells[field] else { continue }
                    #expect(parsed == Self.cellNumber(cell), "\(name) \(field): cell '\(cell)' parsed as \(String(describing: parsed))")
                }
                if let uuid = cells["uuid"] { #expect(g.uuid == uuid.trimmingCharacters(in: .whitespaces)) }
            }
        }
    }

    @Test("spot checks against values read by hand")
    func spotChecks() throws {
        let mig = try #require(try Self.parse("h100-mig-driver590-linux.load.query-gpu.csv").first?.gpus.first)
        #expect(mig.name == "NVIDIA H100 80GB HBM3")
        #expect(mig.memoryTotalBytes == 81559 * 1_048_576)
        #expect(mig.memoryUsedBytes == 11125 * 1_048_576)
        #expect(mig.utilizationGPU == nil, "[N/A] is missing, not 0")
        #expect(mig.migEnabled == true)
        #expect(mig.powerWatts == 433.78)
        #expect(mig.performanceState == 0)

        let p100 = try #require(try Self.parse("tesla-p100-pcie-16gb.query-gpu-nounits.csv").first?.gpus.first)
        #expect(p100.uuid == "GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6")
        #expect(p100.fanPercent == nil)
        #expect(p100.memoryReservedBytes == 103 * 1_048_576)
        #expect(p100.memoryTotalBytes == (103 + 0 + 16280) * 1_048_576, "total = reserved + used + free when not listed")
        #expect(p100.clocksMHz["graphics"] == 405)

        let apps = QueryCSV.parseApps(try Fixtures.text("h100-mig-driver590-linux.load.query-compute-apps.csv"))
        #expect(apps.map(\.process.pid) == [21180, 21181, 21198])
        #expect(apps.map(\.process.usedMemoryBytes) == [2296, 1272, 7484].map { UInt64($0) * 1_048_576 })
        #expect(apps[2].process.processName == "./gpu_burn")

        let win = QueryCSV.parseApps(try Fixtures.text("rtx2080super-driver610-windows.load.query-compute-apps.csv"))
        #expect(win.count == 21)
        #expect(win.allSatisfy { $0.process.usedMemoryBytes == nil }, "WDDM [N/A] memory stays missing")
        #expect(win.first?.process.processName == #"C:\Windows\System32\dwm.exe"#)

        let a10g = try #require(try Self.parse("a10g-driver515-v11-processes.xml").first)
        #expect(a10g.driverVersion == "515.105.01")
        #expect(a10g.cudaVersion == "11.7")
        let g = try #require(a10g.gpus.first)
        #expect(g.name == "NVIDIA A10G")
        #expect(g.processes.count == 1)
        #expect(g.processes.first?.pid == 725)
        #expect(g.processes.first?.kind == .graphics)
        #expect(g.processes.first?.usedMemoryBytes == 22 * 1_048_576)

        let r3090 = try #require(try Self.parse("rtx3090-driver525-v12.xml").first?.gpus.first)
        let r3090Total: UInt64? = r3090.memoryTotalBytes
        #expect(r3090Total == UInt64(24_576) << 20, "\(String(describing: r3090Total))")
        #expect(r3090.memoryReservedBytes == 316 * 1_048_576)
        #expect(r3090.powerWatts == 27.23)
        #expect(r3090.powerLimitWatts == 200)
        #expect(r3090.clocksMHz["memory"] == 405)
        #expect(r3090.maxClocksMHz["graphics"] == 2100)
        #expect(r3090.throttleReasons == 0x1, "only gpu_idle is Active")
        #expect(r3090.eccCorrected == nil, "N/A ECC stays missing")

        let v13 = try #require(try Self.parse("rtx3080-driver595.58-v13.xml").first?.gpus.first)
        #expect(v13.powerWatts == 142.33 || v13.powerWatts == 139.62)
        #expect(v13.powerLimitWatts == 320)

        let capture = try #require(Capture.collection(try Fixtures.text("h100-mig-driver590-linux-capture.txt"), state: "load"))
        #expect(capture.driverVersion == "590.48.01")
        #expect(capture.gpus.first?.processes.map(\.pid) == [21180, 21181, 21198])
    }

    @Test("malformed XML and CSV give errors or nothing, never a crash")
    func malformed() {
        #expect(throws: MiniXML.ParseError.self) { try QueryXML.parse("<nvidia_smi_log><gpu>") }
        #expect(throws: MiniXML.ParseError.self) { try QueryXML.parse("<other/>") }
        #expect(throws: MiniXML.ParseError.self) { try QueryXML.parse("</nope>") }
        #expect(QueryCSV.parseGPUs("").isEmpty)
        #expect(QueryCSV.parseGPUs("garbage without header").isEmpty)
        let partial = QueryCSV.parseGPUs("0, GPU-x, A100", fields: QueryCSV.gpuFields)
        #expect(partial.first?.uuid == "GPU-x")
        #expect(partial.first?.memoryTotalBytes == nil)
    }
}
