import HostSystem
import NodeReport
import CProcess
import GPU
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Attributes each GPU process to a user, a job (Slurm / container / process) and a command.
/// Metrics are aggregated per user and per job (bounded cardinality); per-pid detail is
/// only in /api/v1/node.
public final class GPUProcessCollector: Collector {
    public let inspector: ProcessInspector
    public var name: String { "processes" }

    /// What is known of a pid: its facts, and how to tell it is still the same process — a
    /// pidfd (one syscall per cycle) or, when none could be opened, its start ticks.
    struct Known: Sendable {
        var info: ProcessInspector.Info
        var pidfd: Int32
        var ticks: UInt64?
    }

    /// A process's owner, command and cgroup do not change while it runs, so each is read once.
    private let known = Mutex<[Int32: Known]>([:])
    /// pidfds are capped so a GPU with thousands of processes cannot exhaust descriptors.
    static let maxPidfds = 512
    /// uid → name from `passwdFile`, read once (nil: the system database only).
    private let extraNames: [UInt32: String]

    public init(inspector: ProcessInspector, passwdFile: String? = nil) {
        self.inspector = inspector
        extraNames = passwdFile.flatMap { SmallFile.text($0, max: 4 << 20) }.map(ProcessInspector.passwdEntries) ?? [:]
    }

    deinit {
        known.withLock { for k in $0.values where k.pidfd >= 0 { close(k.pidfd) } }
    }

    public func collect(_ s: inout NodeSnapshot) {
        var out: [GPUProcessInfo] = []
        var names: [UInt32: String] = [:]
        var previous = known.withLock { $0 }
        var next: [Int32: Known] = [:]
        for g in s.gpu.gpus where g.up {
            for p in g.processes {
                let info: ProcessInspector.Info
                if let k = next[p.pid] {
                    info = k.info     // the same process on another GPU
                } else if let old = previous[p.pid], stillSame(old, pid: p.pid) {
                    info = old.info
                    next[p.pid] = old
                    previous[p.pid] = nil
                } else {
                    if let old = previous.removeValue(forKey: p.pid), old.pidfd >= 0 { close(old.pidfd) }
                    // The pidfd first: if the pid is reused after it, the fd names the process we read.
                    let fd = next.count < Self.maxPidfds ? gpc_pidfd_open(p.pid) : -1
                    info = inspector.inspect(pid: p.pid, userName: { uid in
                        if let n = names[uid] { return n }
                        let n = extraNames[uid] ?? ProcessInspector.passwdName(uid)
                        names[uid] = n
                        return n
                    })
                    next[p.pid] = Known(info: info, pidfd: fd, ticks: fd >= 0 ? nil : inspector.startTicks(pid: p.pid))
                }
                var command = info.command
                if command == "?", let n = p.processName { command = n }
                out.append(GPUProcessInfo(pid: p.pid, gpuIndex: g.index, gpuUUID: g.uuid, usedMemoryBytes: p.usedMemoryBytes,
                                          kind: p.kind.rawValue, uid: info.uid, user: info.user, command: command,
                                          startTime: info.startTime, job: info.job))
            }
        }
        // Processes gone from the GPUs are forgotten.
        for k in previous.values where k.pidfd >= 0 { close(k.pidfd) }
        s.processes = out
        known.withLock { $0 = next }
    }

    /// Is the pid still the process we inspected? (A pidfd that cannot tell means: read again.)
    func stillSame(_ k: Known, pid: Int32) -> Bool {
        if k.pidfd >= 0 { return gpc_pidfd_alive(k.pidfd) == 1 }
        guard let t = k.ticks else { return false }
        return inspector.startTicks(pid: pid) == t
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.declare(Metric.gpuUserMemoryBytes)
        m.declare(Metric.gpuUserProcesses)
        m.declare(Metric.jobGpuMemoryBytes)
        m.declare(Metric.jobGpus)
        struct UserKey: Hashable { var gpu: Int; var uuid: String; var user: String }
        var mem: [UserKey: Double] = [:], count: [UserKey: Double] = [:]
        struct JobKey: Hashable { var job: JobRef; var user: String }
        var jobMem: [JobKey: Double] = [:], jobGPUs: [JobKey: Set<String>] = [:]
        for p in s.processes {
            let k = UserKey(gpu: p.gpuIndex, uuid: p.gpuUUID, user: p.user)
            mem[k, default: 0] += Double(p.usedMemoryBytes ?? 0)
            count[k, default: 0] += 1
            let jk = JobKey(job: p.job, user: p.user)
            jobMem[jk, default: 0] += Double(p.usedMemoryBytes ?? 0)
            jobGPUs[jk, default: []].insert(p.gpuUUID)
        }
        for (k, v) in mem.sorted(by: { ($0.key.gpu, $0.key.user) < ($1.key.gpu, $1.key.user) }) {
            let l = [("gpu", String(k.gpu)), ("uuid", k.uuid), ("user", k.user)]
            m.add(Metric.gpuUserMemoryBytes, l, v)
            m.add(Metric.gpuUserProcesses, l, count[k] ?? 0)
        }
        for (k, v) in jobMem.sorted(by: { ($0.key.job.id, $0.key.user) < ($1.key.job.id, $1.key.user) }) {
            let l = [("job_kind", k.job.kind.rawValue), ("job", k.job.id), ("user", k.user)]
            m.add(Metric.jobGpuMemoryBytes, l, v)
            m.add(Metric.jobGpus, l, Double(jobGPUs[k]?.count ?? 0))
        }
    }
}
