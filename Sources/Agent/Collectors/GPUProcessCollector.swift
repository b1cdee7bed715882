import GPU
import Synchronization

/// Attributes each GPU process to a user, a job (Slurm / container / process) and a command.
/// Metrics are aggregated per user and per job (bounded cardinality); per-pid detail is
/// only in /api/v1/node.
public final class GPUProcessCollector: Collector {
    public let inspector: ProcessInspector
    public var name: String { "processes" }
    /// pid → (start ticks, facts). A process's owner, command and cgroup do not change
    /// while it runs, so each cycle re-reads only /proc/PID/stat to tell a reused pid.
    private let known = Mutex<[Int32: (ticks: UInt64, info: ProcessInspector.Info)]>([:])

    /// uid → name from `passwdFile`, read once (nil: the system database only).
    private let extraNames: [UInt32: String]

    public init(inspector: ProcessInspector, passwdFile: String? = nil) {
        self.inspector = inspector
        extraNames = passwdFile.flatMap { ProcessInspector.read($0, max: 4 << 20) }.map(ProcessInspector.passwdEntries) ?? [:]
    }

    public func collect(_ s: inout NodeSnapshot) {
        var out: [GPUProcessInfo] = []
        var cache: [Int32: ProcessInspector.Info] = [:]
        var names: [UInt32: String] = [:]
        var previous = known.withLock { $0 }
        var next: [Int32: (ticks: UInt64, info: ProcessInspector.Info)] = [:]
        for g in s.gpu.gpus where g.up {
            for p in g.processes {
                let info: ProcessInspector.Info
                if let c = cache[p.pid] {
                    info = c
                } else if let ticks = inspector.startTicks(pid: p.pid), let old = previous[p.pid], old.ticks == ticks {
                    info = old.info
                    next[p.pid] = old
                } else {
                    info = inspector.inspect(pid: p.pid, userName: { uid in
                        if let n = names[uid] { return n }
                        let n = extraNames[uid] ?? ProcessInspector.passwdName(uid)
                        names[uid] = n
                        return n
                    })
                    if let ticks = inspector.startTicks(pid: p.pid) { next[p.pid] = (ticks, info) }
                }
                previous[p.pid] = nil
                cache[p.pid] = info
                var command = info.command
                if command == "?", let n = p.processName { command = n }
                out.append(GPUProcessInfo(pid: p.pid, gpuIndex: g.index, gpuUUID: g.uuid, usedMemoryBytes: p.usedMemoryBytes,
                                          kind: p.kind.rawValue, uid: info.uid, user: info.user, command: command,
                                          startTime: info.startTime, job: info.job))
            }
        }
        s.processes = out
        known.withLock { $0 = next }   // processes gone from the GPUs are forgotten
    }

    public func export(_ s: NodeSnapshot, _ m: inout MetricSet) {
        m.declare("gpucluster_gpu_user_memory_bytes", .gauge, "GPU memory used by a user's processes on a GPU.")
        m.declare("gpucluster_gpu_user_processes", .gauge, "Processes of a user on a GPU.")
        m.declare("gpucluster_job_gpu_memory_bytes", .gauge, "GPU memory used by a job (Slurm job, container or process), all GPUs.")
        m.declare("gpucluster_job_gpus", .gauge, "GPUs a job uses.")
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
            m.add("gpucluster_gpu_user_memory_bytes", .gauge, "", l, v)
            m.add("gpucluster_gpu_user_processes", .gauge, "", l, count[k] ?? 0)
        }
        for (k, v) in jobMem.sorted(by: { ($0.key.job.id, $0.key.user) < ($1.key.job.id, $1.key.user) }) {
            let l = [("job_kind", k.job.kind.rawValue), ("job", k.job.id), ("user", k.user)]
            m.add("gpucluster_job_gpu_memory_bytes", .gauge, "", l, v)
            m.add("gpucluster_job_gpus", .gauge, "", l, Double(jobGPUs[k]?.count ?? 0))
        }
    }
}
