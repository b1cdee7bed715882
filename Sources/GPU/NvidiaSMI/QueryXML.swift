#if canImport(FoundationEssentials)
import NodeReport
import FoundationEssentials
#else
import Foundation
#endif

/// Reads `nvidia-smi -q -x` (DTD v10–v13 and files without a DOCTYPE) into readings.
/// Element names moved across driver generations; each value tries the known names in turn.
public enum QueryXML {
    public static func parse(_ text: String) throws -> GPUCollection {
        let doc = try MiniXML.parse(text)
        guard let log = doc.child("nvidia_smi_log") else {
            throw MiniXML.ParseError(message: "not nvidia-smi XML: no <nvidia_smi_log> element")
        }
        var c = GPUCollection(backend: "nvidia-smi", backendUp: true)
        c.driverVersion = log.value("driver_version").flatMap(SMIValue.text)
        c.cudaVersion = log.value("cuda_version").flatMap(SMIValue.text)
        for (i, g) in log.all("gpu").enumerated() {
            let index = g.value("minor_number").flatMap(SMIValue.index) ?? i
            var r = GPUReading(index: index, uuid: g.value("uuid").flatMap(SMIValue.text) ?? "unknown-index-\(index)",
                               name: g.value("product_name").flatMap(SMIValue.text) ?? "")
            r.memoryTotalBytes = g.value("fb_memory_usage", "total").flatMap { SMIValue.bytes($0) }
            r.memoryUsedBytes = g.value("fb_memory_usage", "used").flatMap { SMIValue.bytes($0) }
            r.memoryReservedBytes = g.value("fb_memory_usage", "reserved").flatMap { SMIValue.bytes($0) }
            r.utilizationGPU = g.value("utilization", "gpu_util").flatMap(SMIValue.percent)
            r.utilizationMemory = g.value("utilization", "memory_util").flatMap(SMIValue.percent)
            r.temperatureCelsius = g.value("temperature", "gpu_temp").flatMap(SMIValue.number)
            r.fanPercent = g.value("fan_speed").flatMap(SMIValue.percent)
            let power = g.child("gpu_power_readings") ?? g.child("power_readings")
            r.powerWatts = [power?.value("power_draw"), power?.value("instant_power_draw"), power?.value("average_power_draw")]
                .lazy.compactMap { $0.flatMap(SMIValue.number) }.first
            r.powerLimitWatts = [power?.value("enforced_power_limit"), power?.value("current_power_limit"), power?.value("power_limit")]
                .lazy.compactMap { $0.flatMap(SMIValue.number) }.first
            for (label, tag) in [("graphics", "graphics_clock"), ("sm", "sm_clock"), ("memory", "mem_clock"), ("video", "video_clock")] {
                if let v = g.value("clocks", tag).flatMap(SMIValue.number) { r.clocksMHz[label] = v }
                if let v = g.value("max_clocks", tag).flatMap(SMIValue.number) { r.maxClocksMHz[label] = v }
            }
            if let agg = g.path("ecc_errors", "aggregate") {
                let corr = [agg.value("dram_correctable"), agg.value("sram_correctable"), agg.value("single_bit", "total")]
                    .compactMap { $0.flatMap(SMIValue.count) }
                let unc = [agg.value("dram_uncorrectable"), agg.value("sram_uncorrectable"), agg.value("double_bit", "total")]
                    .compactMap { $0.flatMap(SMIValue.count) }
                // At most three parts below 2^53 each: the sums cannot overflow.
                if !corr.isEmpty { r.eccCorrected = corr.reduce(0, +) }
                if !unc.isEmpty { r.eccUncorrected = unc.reduce(0, +) }
            }
            if let rr = g.child("remapped_rows"),
               let corr = rr.value("remapped_row_corr").flatMap(SMIValue.index),
               let unc = rr.value("remapped_row_unc").flatMap(SMIValue.index) {
                r.remappedRows = RemappedRows(correctable: corr, uncorrectable: unc,
                                              pending: rr.value("remapped_row_pending") == "Yes",
                                              failed: rr.value("remapped_row_failure") == "Yes")
            }
            r.performanceState = g.value("performance_state").flatMap(SMIValue.pstate)
            if let mig = g.value("mig_mode", "current_mig").flatMap(SMIValue.text) { r.migEnabled = mig == "Enabled" }
            if let reasons = g.child("clocks_event_reasons") ?? g.child("clocks_throttle_reasons") {
                var bits: UInt64 = 0
                var any = false
                for e in reasons.children {
                    let key = e.name.replacing("clocks_event_reason_", with: "")
                        .replacing("clocks_throttle_reason_", with: "")
                        .replacing("display_clocks_setting", with: "display_clock_setting")
                    guard let bit = ThrottleReason.all.first(where: { $0.name == key })?.bit else { continue }
                    any = true
                    if e.text.trimmed() == "Active" { bits |= bit }
                }
                if any { r.throttleReasons = bits }
            }
            for p in g.child("processes")?.all("process_info") ?? [] {
                guard let pid = p.value("pid").flatMap(SMIValue.number), pid >= 0, pid <= Double(Int32.max) else { continue }
                let kind: GPUProcess.Kind = (p.value("type") ?? "C").contains("G") && !(p.value("type") ?? "").contains("C") ? .graphics : .compute
                var proc = GPUProcess(pid: Int32(pid), usedMemoryBytes: p.value("used_memory").flatMap { SMIValue.bytes($0) }, kind: kind)
                proc.processName = p.value("process_name").flatMap(SMIValue.text)
                proc.gpuInstanceID = p.value("gpu_instance_id").flatMap(SMIValue.index)
                proc.computeInstanceID = p.value("compute_instance_id").flatMap(SMIValue.index)
                r.processes.append(proc)
            }
            c.gpus.append(r)
        }
        return c
    }
}
