import NodeReport
import Foundation
import Testing
import TestSupport
@testable import Agent

@Suite("SMART reports and the backup state file")
struct SmartAndBackupTests {
    static let ata = """
    {"json_format_version":[1,0],"smartctl":{"version":[7,3],"exit_status":0},
     "device":{"name":"/dev/sda","type":"sat"},"model_name":"Samsung SSD 870 EVO 1TB","serial_number":"S6PUNX0R",
     "smart_status":{"passed":true},"temperature":{"current":33},"power_on_time":{"hours":12000},
     "ata_smart_attributes":{"revision":1,"table":[
       {"id":5,"name":"Reallocated_Sector_Ct","value":100,"raw":{"value":3,"string":"3"}},
       {"id":197,"name":"Current_Pending_Sector","value":100,"raw":{"value":1,"string":"1"}}]},
     "ata_smart_self_test_log":{"standard":{"revision":1,"table":[
       {"type":{"value":1,"string":"Short offline"},"status":{"value":0,"string":"Completed without error","passed":true},"lifetime_hours":11990},
       {"type":{"value":2,"string":"Extended offline"},"status":{"value":0,"string":"Completed without error","passed":true},"lifetime_hours":11900}]}}}
    """
    static let nvme = """
    {"smartctl":{"exit_status":4},"model_name":"WD Black SN850","serial_number":"2117","smart_status":{"passed":false},
     "power_on_time":{"hours":500},"nvme_smart_health_information_log":{"temperature":41,"media_errors":7},
     "nvme_self_test_log":{"table":[{"self_test_code":{"value":1},"self_test_result":{"value":7},"power_on_hours":480}]}}
    """

    @Test("ATA: health, temperature, reallocated and pending sectors, last self-test and its age")
    func ata() {
        let d = SmartReport.parse(device: "/dev/sda", json: Data(Self.ata.utf8))
        #expect(d.healthy == true)
        #expect(d.model == "Samsung SSD 870 EVO 1TB")
        #expect(d.temperatureCelsius == 33)
        #expect(d.reallocatedSectors == 3)
        #expect(d.pendingSectors == 1)
        #expect(d.lastSelfTestPassed == true)
        #expect(d.lastSelfTestAgeHours == 10)
        #expect(d.error == nil)
    }

    @Test("NVMe: failed health, media errors, failed self-test")
    func nvme() {
        let d = SmartReport.parse(device: "/dev/nvme0", json: Data(Self.nvme.utf8))
        #expect(d.healthy == false)
        #expect(d.mediaErrors == 7)
        #expect(d.temperatureCelsius == 41)
        #expect(d.lastSelfTestPassed == false)
        #expect(d.lastSelfTestAgeHours == 20)
    }

    /// The ATA log keeps lifetime hours in 16 bits; NVMe results 1–4, 8, 9 are aborts.
    @Test("self-test age past 65,535 power-on hours; an aborted NVMe self-test is unknown, not failed")
    func wrapsAndAborts() {
        let old = Self.ata.replacingOccurrences(of: #""power_on_time":{"hours":12000}"#, with: #""power_on_time":{"hours":70000}"#)
            .replacingOccurrences(of: #""lifetime_hours":11990"#, with: "\"lifetime_hours\":\(69_990 % 65_536)")
        #expect(SmartReport.parse(device: "/dev/sda", json: Data(old.utf8)).lastSelfTestAgeHours == 10)
        let aborted = Self.nvme.replacingOccurrences(of: #""self_test_result":{"value":7}"#, with: #""self_test_result":{"value":2}"#)
        #expect(SmartReport.parse(device: "/dev/nvme0", json: Data(aborted.utf8)).lastSelfTestPassed == nil)
        let passed = Self.nvme.replacingOccurrences(of: #""self_test_result":{"value":7}"#, with: #""self_test_result":{"value":0}"#)
        #expect(SmartReport.parse(device: "/dev/nvme0", json: Data(passed.utf8)).lastSelfTestPassed == true)
    }

    @Test("garbage from smartctl is an error on the disk, not a crash")
    func garbage() {
        #expect(SmartReport.parse(device: "/dev/x", json: Data("not json".utf8)).error != nil)
        #expect(SmartReport.devices(scanJSON: Data("{".utf8)).isEmpty)
    }

    @Test("the real smartctl --scan answers and parses (this machine may have no SMART disks)")
    func realScan() throws {
        guard let smartctl = ["/usr/sbin/smartctl", "/usr/bin/smartctl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("smartctl is not installed; scripts/test installs smartmontools")
            return
        }
        let c = SmartCollector(smartctl: smartctl, interval: .seconds(600))
        let (disks, error) = c.scan()
        #expect(error == nil)
        print("smartctl found \(disks.count) disk(s) on this machine")
        for d in disks { #expect(!d.device.isEmpty) }
    }

    func write(_ text: String) throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("backup-state-\(UUID().uuidString).json").path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    @Test("backup state: a valid file, a missing one, garbage, an unknown version, times out of range, too many slices, an oversized one")
    func backupState() throws {
        let ok = try write(#"{"version":1,"lastRunStart":1700000000,"lastRunEnd":1700000600,"lastSuccess":1700000600,"exitCode":24,"verifyOK":true,"verifyMismatches":0,"snapshots":23,"extra":"ignored"}"#)
        let s = try BackupStatus.read(path: ok).get()
        #expect(s.exitCode == 24)
        #expect(s.lastSuccess == 1700000600)
        #expect(s.snapshots == 23)
        var m = MetricSet()
        var snap = NodeSnapshot(hostname: "h", agentVersion: "t", collectedAt: 0, expectedGPUs: nil)
        let c = BackupCollector(statePath: ok)
        c.collect(&snap)
        c.export(snap, &m)
        #expect(m.render().contains("gpucluster_backup_last_success_timestamp_seconds 1700000600"))
        for (text, fragment) in [("{", "not a backup state file"), (#"{"version":2}"#, "unknown version"),
                                 // Times are made Ints where shown: out of range they would trap there.
                                 (#"{"version":1,"lastSuccess":1e300}"#, "a time outside"),
                                 (#"{"version":1,"lastVerify":-5}"#, "a time outside"),
                                 (#"{"version":1,"verifySliceOK":[1,1e30]}"#, "a time outside"),
                                 ("{\"version\":1,\"verifySliceOK\":[" + Array(repeating: "1", count: 400).joined(separator: ",") + "]}", "more than 366")] {
            guard case .failure(let e) = BackupStatus.read(path: try write(text)) else { Issue.record("accepted \(text)"); continue }
            #expect(e.message.contains(fragment))
        }
        guard case .failure(let missing) = BackupStatus.read(path: "/nonexistent/state.json") else { Issue.record("missing accepted"); return }
        #expect(missing.message.contains("no backup has run yet"))
        let big = try write("{\"version\":1,\"message\":\"" + String(repeating: "x", count: 100_000) + "\"}")
        guard case .failure(let e) = BackupStatus.read(path: big) else { Issue.record("oversized accepted"); return }
        #expect(e.message.contains("64 KiB"))
    }
}
