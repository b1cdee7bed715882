import Foundation

extension DemoCluster {
    /// --simnvml, $GPUCLUSTER_SIMNVML_DIR, then `simnvml/` beside or one above the executable's folder.
    public static func findSimLibrary(explicit: String?, executable: String) -> String? {
        let fm = FileManager.default
        if let e = explicit { return fm.fileExists(atPath: e) ? e : nil }
        var candidates: [String] = []
        if let d = ProcessInfo.processInfo.environment["GPUCLUSTER_SIMNVML_DIR"] { candidates.append("\(d)/libnvidia-ml.so.1") }
        // Both the path it was called by (.build/debug) and the resolved one (.build/x86_64-…/debug).
        for exe in [CommandLine.arguments[0], executable] {
            let bin = (exe as NSString).deletingLastPathComponent
            candidates += ["\(bin)/simnvml/libnvidia-ml.so.1", "\(bin)/../simnvml/libnvidia-ml.so.1", "\(bin)/../../simnvml/libnvidia-ml.so.1"]
        }
        // realpath, not lexical clean-up: `.build/debug` is a symlink, so `..` means its target's parent.
        return candidates.first { fm.fileExists(atPath: $0) }.flatMap { p in realpath(p, nil).map { r in defer { free(r) }; return String(cString: r) } }
    }
}
