import Foundation

/// A /proc tree for a simulated node: the pids the simulated NVML reports exist here with an
/// owner, command line, start time and cgroup, so the real agent attributes them as on a real
/// host (the agent runs with `--proc` pointing at it).
struct FakeProc {
    let root: String
    let bootTime: Double

    func write(_ jobs: [DemoScript.Job]) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try atomically("\(root)/stat", "cpu  0 0 0 0 0 0 0 0 0 0\nbtime \(Int(bootTime))\n")
        var keep = Set<String>()
        for j in jobs {
            let dir = "\(root)/\(j.pid)"
            keep.insert(String(j.pid))
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try atomically("\(dir)/status", "Name:\t\(j.command.prefix(15))\nUid:\t\(j.uid)\t\(j.uid)\t\(j.uid)\t\(j.uid)\n")
            try atomically("\(dir)/cmdline", j.command.split(separator: " ").joined(separator: "\0") + "\0")
            let ticks = Int(max(0, j.startedAt - bootTime) * 100)
            let fields = ["S", "1", "\(j.pid)", "\(j.pid)", "0", "-1", "4194304"] + Array(repeating: "0", count: 12) + ["\(ticks)"]
                + Array(repeating: "0", count: 30)
            try atomically("\(dir)/stat", "\(j.pid) (python) " + fields.joined(separator: " ") + "\n")
            try atomically("\(dir)/cgroup", j.cgroup + "\n")
        }
        for entry in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where Int(entry) != nil && !keep.contains(entry) {
            try? fm.removeItem(atPath: "\(root)/\(entry)")
        }
    }

    /// Readers (the agent, the simulated library) never see half a file.
    func atomically(_ path: String, _ text: String) throws {
        let tmp = path + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: tmp))
        guard rename(tmp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
