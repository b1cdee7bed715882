import Foundation
import GPU

/// The demo's story, as a pure function of time: which jobs run where, who holds a GPU idle,
/// which node is down. The same script drives the live simulation and the history backfill,
/// so the graphs and the board tell one story.
public struct DemoScript: Sendable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var gpus: Int
        public var model: String
        public var memoryMiB: Int
    }

    public struct Job: Sendable, Equatable {
        public var id: Int
        public var user: String
        public var uid: UInt32
        public var gpus: [Int]
        public var pid: Int32
        public var command: String
        /// "0::/system.slice/…" cgroup line the agent reads the job from.
        public var cgroup: String
        public var memoryMiB: Int
        public var utilization: [Int]
        public var startedAt: Double
    }

    public struct NodeState: Sendable, Equatable {
        public var node: Node
        public var up: Bool
        public var jobs: [Job]
    }

    public static let users: [(name: String, uid: UInt32)] = [
        ("alice", 2001), ("bob", 2002), ("carol", 2003), ("dave", 2004), ("erin", 2005), ("frank", 2006),
    ]
    static let commands = [
        "python train.py --config configs/resnet50.yaml",
        "torchrun --nproc_per_node=4 train_llm.py --model 7b",
        "python -m vllm.entrypoints.api_server --model mistral-7b",
        "jupyter-lab --no-browser --port 8890",
        "python eval.py --checkpoint runs/0423/best.pt",
        "./build/simulate --gpu --steps 100000",
    ]

    public var nodes: [Node]
    /// Seconds per step of the story.
    public var step: Double
    /// When the story starts (tick 0).
    public var origin: Double
    /// Adds a job whose command is HTML (`<img src=x onerror=alert(1)>`): shows that names are escaped.
    public var hostile: Bool

    public init(nodeCount: Int, step: Double, origin: Double, hostile: Bool = false) {
        let shapes: [(Int, String, Int)] = [(8, "NVIDIA A100-SXM4-80GB", 81920), (8, "NVIDIA A100-SXM4-80GB", 81920),
                                            (4, "NVIDIA GeForce RTX 3090", 24576), (8, "NVIDIA H100 80GB HBM3", 81559),
                                            (4, "NVIDIA RTX A6000", 49140), (4, "NVIDIA GeForce RTX 3090", 24576)]
        nodes = (0..<max(1, nodeCount)).map { i in
            let s = shapes[i % shapes.count]
            return Node(name: String(format: "gpu%02d", i + 1), gpus: s.0, model: s.1, memoryMiB: s.2)
        }
        self.step = step
        self.origin = origin
        self.hostile = hostile
    }

    /// The tick (step number) at a time; negative before the origin (the backfill).
    public func tick(at t: Double) -> Int { Int(((t - origin) / step).rounded(.down)) }

    /// The down node is the fifth (or the last): down for steps 20–25 of every 40.
    public func isUp(node i: Int, tick: Int) -> Bool {
        guard i == min(4, nodes.count - 1), nodes.count > 1 else { return true }
        let phase = ((tick % 40) + 40) % 40
        return !Self.downSteps.contains(phase)
    }

    public static let downSteps = 20..<26
    /// The live demo opens at this step: jobs are under way, the node goes down 5 steps later.
    public static let openingStep = 15

    public func state(at t: Double) -> [NodeState] {
        let k = tick(at: t)
        return nodes.enumerated().map { i, node in
            NodeState(node: node, up: isUp(node: i, tick: k), jobs: jobs(node: i, tick: k))
        }
    }

    /// Jobs on a node during a tick: GPUs grouped per 24-step period, each group busy for a
    /// stretch with a user and command from a fixed hash; plus the fixed idle-held GPU.
    func jobs(node i: Int, tick: Int) -> [Job] {
        let n = nodes[i]
        let period = 24
        let p = Int((Double(tick) / Double(period)).rounded(.down))
        let offsetInPeriod = tick - p * period
        var out: [Job] = []
        var gpu = 0
        var group = 0
        // The idle-held GPU: the last GPU of the second node, carol's forgotten notebook.
        let idleGPU = i == 1 ? n.gpus - 1 : -1
        while gpu < n.gpus {
            let h = Self.mix(UInt64(i) &* 1_000_003 &+ UInt64(bitPattern: Int64(p)) &* 7919 &+ UInt64(group))
            let size = min([1, 2, 4, 1, 2][Int(h % 5)], n.gpus - gpu)
            let gpus = Array(gpu..<(gpu + size)).filter { $0 != idleGPU }
            gpu += size
            group += 1
            guard !gpus.isEmpty, h >> 8 % 100 < 70 else { continue }
            let start = Int(h >> 16 % 8), length = 6 + Int(h >> 24 % 14)
            guard offsetInPeriod >= start, offsetInPeriod < start + length else { continue }
            let u = Self.users[Int(h >> 32 % UInt64(Self.users.count))]
            let id = (i + 1) * 100_000 + (p & 0xFFFF) * 16 + group
            let kind = Int(h >> 40 % 3)
            let cgroup: String
            switch kind {
            case 0: cgroup = "0::/system.slice/slurmstepd.scope/job_\(4000 + abs(id) % 50_000)/step_0/user/task_0"
            case 1:
                let hex = String(repeating: String(format: "%016llx", Self.mix(h)), count: 4)
                cgroup = "0::/system.slice/docker-\(hex).scope"
            default: cgroup = "0::/user.slice/user-\(u.uid).slice/session-3.scope"
            }
            var cmd = Self.commands[Int(h >> 48 % UInt64(Self.commands.count))]
            if hostile && i == 0 && gpus.first == 0 { cmd = "<img src=x onerror=alert(1)>" }
            let util = [55 + Int(h % 40), 70 + Int(h >> 3 % 29), 60 + Int(h >> 5 % 35), 80 + Int(h >> 7 % 19)]
            out.append(Job(id: id, user: u.name, uid: u.uid, gpus: gpus, pid: Int32(10_000 + (i * 10_000 + group * 97 + (p & 0x3F) * 13) % 900_000),
                           command: cmd, cgroup: cgroup, memoryMiB: min(n.memoryMiB - 512, 4096 + Int(h >> 12 % 20) * 1024),
                           utilization: util, startedAt: origin + Double(p * period + start) * step))
        }
        if idleGPU >= 0 {
            out.append(Job(id: 1, user: "carol", uid: 2003, gpus: [idleGPU], pid: 4242,
                           command: "jupyter-lab --no-browser --port 8891", cgroup: "0::/user.slice/user-2003.slice/session-7.scope",
                           memoryMiB: 10_240, utilization: [0, 1, 0, 2], startedAt: origin - 7200))
        }
        if hostile && i == 0 && !out.contains(where: { $0.gpus.contains(0) }) {
            out.append(Job(id: 2, user: "mallory", uid: 2099, gpus: [0], pid: 6666, command: "<img src=x onerror=alert(1)>",
                           cgroup: "0::/user.slice/user-2099.slice/session-1.scope", memoryMiB: 2048,
                           utilization: [40, 60], startedAt: origin))
        }
        return out
    }

    /// The simulated NVML scenario for a node at a time.
    public func scenario(_ s: NodeState, nodeIndex: Int) -> SimScenario {
        var sc = SimScenario.uniform(count: s.node.gpus, name: s.node.model, memoryMiB: s.node.memoryMiB,
                                     seed: String(format: "%04d", nodeIndex + 1))
        for j in s.jobs {
            for g in j.gpus where g < sc.gpus.count {
                sc.gpus[g].memoryUsedMiB += j.memoryMiB
                sc.gpus[g].utilization = j.utilization
                sc.gpus[g].memoryUtilization = j.utilization.map { $0 / 2 }
                sc.gpus[g].powerWatts = 90 + Double(j.utilization[0]) * 2.5
                sc.gpus[g].temperature = 40 + j.utilization[0] / 3
                sc.processes.append(SimScenario.Process(gpu: g, pid: j.pid, usedMiB: j.memoryMiB))
            }
        }
        for g in sc.gpus.indices where sc.gpus[g].memoryUsedMiB == 0 { sc.gpus[g].memoryUsedMiB = 3 }
        return sc
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
