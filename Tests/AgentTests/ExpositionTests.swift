import NodeReport
import Foundation
import Testing
@testable import Agent

@Suite("Prometheus exposition and /proc parsing")
struct ExpositionTests {
    @Test("label values are escaped; HELP/TYPE come once per family; integers print without a fraction")
    func escaping() {
        var m = MetricSet()
        m.add("x_bytes", .gauge, "Help with a \\ backslash\nand newline.", [("user", "a\"b\\c\nd")], 85899345920)
        m.add("x_bytes", .gauge, "ignored", [("user", "<script>alert(1)</script>")], 0.5)
        m.declare("y_total", .counter, "Empty family.")
        let text = m.render()
        #expect(text.contains(#"x_bytes{user="a\"b\\c\nd"} 85899345920"#))
        #expect(text.contains(#"x_bytes{user="<script>alert(1)</script>"} 0.5"#))
        #expect(text.components(separatedBy: "# TYPE x_bytes gauge").count == 2)
        #expect(text.contains("# HELP x_bytes Help with a \\\\ backslash\\nand newline."))
        #expect(text.contains("# TYPE y_total counter"))
        #expect(MetricSet.format(.nan) == "NaN")
        #expect(MetricSet.format(-.infinity) == "-Inf")
    }

    @Test("jobs from cgroup paths: Slurm v1 and v2, docker, containerd, podman, kubernetes, plain")
    func cgroups() {
        let id = String(repeating: "ab12", count: 16)
        let cases: [(String, JobRef?)] = [
            ("0::/system.slice/slurmstepd.scope/job_4242/step_0/user/task_0\n", JobRef(kind: .slurm, id: "4242", runtime: nil)),
            ("4:memory:/slurm/uid_2001/job_17/step_batch\n", JobRef(kind: .slurm, id: "17", runtime: nil)),
            ("0::/system.slice/docker-\(id).scope\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "docker")),
            ("12:pids:/docker/\(id)\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "docker")),
            ("0::/system.slice/containerd.service/kubepods-burstable-pod1.slice:cri-containerd:\(id)\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "kubernetes")),
            ("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-\(id).scope\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "kubernetes")),
            ("0::/system.slice/cri-containerd-\(id).scope\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "containerd")),
            ("0::/machine.slice/libpod-\(id).scope/container\n", JobRef(kind: .container, id: String(id.prefix(12)), runtime: "podman")),
            ("0::/user.slice/user-2001.slice/session-3.scope\n", nil),
        ]
        for (text, expected) in cases {
            #expect(ProcessInspector.job(fromCgroup: text) == expected, "\(text)")
        }
    }

    @Test("stat with a hostile command name still yields the start time")
    func statParsing() {
        let stat = "1234 (evil) 0 0 (x) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 12345 100 18446744073709551615"
        #expect(ProcessInspector.startTicks(fromStat: stat) == 987654)
        #expect(ProcessInspector.startTicks(fromStat: "garbage") == nil)
        #expect(ProcessInspector.uid(fromStatus: "Name:\tpython\nUid:\t2001\t2001\t2001\t2001\nGid:\t2001\n") == 2001)
        #expect(ProcessInspector.command(fromCmdline: "python\0train.py\0--lr\00.1\0") == "python train.py --lr 0.1")
    }

    @Test("a real process: this test's own pid resolves to its uid, user, command and a start time")
    func selfProcess() {
        let info = ProcessInspector().inspect(pid: getpid())
        #expect(info.uid == getuid())
        #expect(info.user == ProcessInspector.passwdName(getuid()))
        #expect(!info.command.isEmpty && info.command != "?")
        let start = info.startTime ?? 0
        #expect(start > Date().timeIntervalSince1970 - 86_400 * 365 && start <= Date().timeIntervalSince1970 + 1)
        #expect(info.job.kind != .slurm)
    }
}
