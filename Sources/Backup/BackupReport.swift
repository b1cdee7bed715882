#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

/// What `gpucluster backup` prints: the outcome of a run, a verification and the listing, and
/// progress lines. Names from the source (file names, messages) are made printable.
public enum BackupReport {
    public static func run(_ r: BackupJob.RunResult) -> [String] {
        let bytes = r.bytesTransferred.map { ", \(size($0)) copied" } ?? ""
        var out = ["snapshot \(r.snapshot.map { "\($0)" } ?? "?"): \(r.itemsChanged) changed\(bytes); \(r.snapshotsKept) kept"
                   + (r.pruned.isEmpty ? "" : ", removed \(r.pruned.map { "\($0)" }.joined(separator: " "))")]
        if let n = r.recheckedFiles, let t = r.recheckSeconds {
            out.append("re-checked \(n) copied file(s) against the source in \(Int((t * 10).rounded()) / 10).\(Int((t * 10).rounded()) % 10) s: \(r.changedDuringRun.count) changed while being copied")
        }
        if !r.message.isEmpty { out.append("note: \(TerminalText.printable(r.message))") }
        return out
    }

    /// At most `show` differing files are named.
    public static func verify(_ r: BackupJob.VerifyResult, show: Int) -> [String] {
        let f = r.findings
        var out = ["snapshot \(r.snapshot): \(f.mismatched.count) differing, \(f.changedSince) changed, \(f.addedSince) added, \(f.deletedSince) deleted on the source since"]
        if let s = r.sample, let checked = r.filesChecked, let total = r.filesTotal {
            out.append("sample \(s.index + 1) of \(s.of): \(checked) of \(total) files checked by checksum (the next slice at the next verification)")
        }
        for name in f.mismatched.prefix(max(0, show)) { out.append("  DIFFERS  \(BackupConfig.printable(name))") }
        if f.mismatched.count > max(0, show) { out.append("  … and \(f.mismatched.count - max(0, show)) more") }
        return out
    }

    public static func list(_ l: BackupJob.Listing, now: Int) -> [String] {
        var out: [String] = []
        if l.snapshots.isEmpty { out.append("no snapshots yet") }
        for s in l.snapshots { out.append("\(s.name)  \(age(now - s.name.time)) ago  \(s.reasons.joined(separator: ", "))") }
        for p in l.partials { out.append("\(p).partial  unfinished (continued by the next run)") }
        let st = l.state
        if let t = st.lastSuccess { out.append("last success: \(age(now - Int(t))) ago") }
        if let code = st.exitCode, code != 0 && code != 24 { out.append("last run FAILED: \(BackupConfig.printable(st.message ?? "exit \(code)"))") }
        if let t = st.lastVerify {
            var line = "last verification: \(age(now - Int(t))) ago, \(st.verifyOK == true ? "ok" : "FAILED")"
            if let i = st.verifySliceIndex, let n = st.verifySlices, let c = st.verifyFilesChecked, let total = st.verifyFilesTotal {
                line += " (sample \(i + 1) of \(n): \(c) of \(total) files)"
            }
            out.append(line)
        }
        if let c = VerifyCoverage(sliceOK: st.verifySliceOK) {
            if c.complete, let since = c.since {
                out.append("verification coverage: every file checked by checksum in the last \(c.slices) samples (since \(age(now - Int(since))) ago)")
            } else {
                out.append("verification coverage: \(c.okSlices) of \(c.slices) slices checked and ok; the others not yet, or they found differences")
            }
        }
        return out
    }

    /// A progress callback for long runs: every 2 s on a terminal (one line rewritten in
    /// place), every minute in the journal; `write` gets the text to put on stderr.
    public static func progress(verb: String, interactive: Bool, write: @escaping (String) -> Void) -> (BackupJob.Progress) -> Void {
        nonisolated(unsafe) var lastPrinted = -1000
        return { p in
            guard interactive || p.seconds - lastPrinted >= 60 else { return }
            lastPrinted = p.seconds
            let secs = p.seconds % 60
            let line = "\(verb): \(p.items) items\(p.bytes > 0 ? ", \(size(p.bytes))" : "") [\(p.seconds / 60):\(secs < 10 ? "0" : "")\(secs)]"
            write(interactive ? "\r\u{1B}[K\(line)" : line + "\n")
        }
    }

    public static func size(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(bytes), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        guard i > 0 else { return "\(bytes) B" }
        let tenths = Int((v * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[i])"
    }

    public static func age(_ seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86_400) days"
    }
}
