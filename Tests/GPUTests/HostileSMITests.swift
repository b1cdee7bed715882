import Testing
@testable import GPU

/// nvidia-smi output is outside input to a root agent: numbers that are not readings
/// (`1e999`, `inf`, `nan`, negative counts, indices past Int, hex past UInt64) are dropped,
/// never converted into a trap (which would crash-loop the agent).
@Suite("Hostile nvidia-smi output")
struct HostileSMITests {
    static let header = "index, uuid, name, memory.total [MiB], memory.used [MiB], memory.free [MiB], utilization.gpu [%], "
        + "temperature.gpu, ecc.errors.corrected.aggregate.total, ecc.errors.uncorrected.aggregate.total, fan.speed [%]"

    @Test("CSV: 1e999, inf, nan, -1, 2^64 and hex overflow give nil, not a crash", arguments: [
        "1e999", "inf", "-inf", "nan", "-1", "18446744073709551616", "99999999999999999999999", "0xFFFFFFFFFFFFFFFF", "1e308",
    ])
    func csvExtremes(_ v: String) {
        let text = Self.header + "\n" + Array(repeating: v, count: 11).joined(separator: ", ") + "\n"
        let gpus = QueryCSV.parseGPUs(text)
        #expect(gpus.count == 1)
        guard let g = gpus.first else { return }
        #expect(g.index >= 0)
        #expect(g.utilizationGPU.map { (0...100).contains($0) } ?? true, "utilization \(String(describing: g.utilizationGPU))")
        #expect(g.temperatureCelsius.map(\.isFinite) ?? true)
        #expect(g.fanPercent.map { (0...100).contains($0) } ?? true)
        #expect(g.memoryTotalBytes.map { $0 < 1 << 53 } ?? true)
    }

    @Test("used + free past 2^64 in MiB cannot overflow the total")
    func memorySum() {
        let text = Self.header + "\n0, GPU-x, A100, [N/A], 17592186044415, 17592186044415, 50, 40, 0, 0, 30\n"
        let g = QueryCSV.parseGPUs(text).first
        #expect(g?.memoryUsedBytes == nil || (g?.memoryTotalBytes ?? 0) >= (g?.memoryUsedBytes ?? 0))
    }

    @Test("XML: huge minor numbers, ECC sums and instance ids are dropped")
    func xmlExtremes() throws {
        let xml = """
        <?xml version="1.0" ?><nvidia_smi_log><driver_version>550.54</driver_version>
        <gpu id="0"><minor_number>1e999</minor_number><uuid>GPU-x</uuid><product_name>A100</product_name>
        <utilization><gpu_util>1e300 %</gpu_util></utilization>
        <ecc_errors><aggregate><dram_correctable>-5</dram_correctable><dram_uncorrectable>1e999</dram_uncorrectable></aggregate></ecc_errors>
        <remapped_rows><remapped_row_corr>1e40</remapped_row_corr><remapped_row_unc>0</remapped_row_unc></remapped_rows>
        <processes><process_info><pid>12</pid><type>C</type><used_memory>1e999 MiB</used_memory>
        <gpu_instance_id>99999999999999999999</gpu_instance_id></process_info></processes></gpu></nvidia_smi_log>
        """
        let c = try QueryXML.parse(xml)
        let g = try #require(c.gpus.first)
        #expect(g.index == 0 && g.utilizationGPU == nil && g.eccCorrected == nil && g.eccUncorrected == nil)
        #expect(g.processes.first?.usedMemoryBytes == nil && g.processes.first?.gpuInstanceID == nil)
    }
}
