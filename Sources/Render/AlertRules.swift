import NodeReport
import Spec

/// The alert rules rendered for Prometheus, from the spec: each with a severity, a summary,
/// a description, a runbook line and a link to the dashboard's page of the node. PromQL names
/// come from the agent's contract (`Metric`) or node exporter's standard families.
/// `AlertRuleTests` runs `promtool test rules` with a firing and a quiet case for each.
public enum AlertRules {
    public struct Rule: Sendable {
        public var name: String
        public var expr: String
        public var forDuration: String?
        public var severity: String
        public var summary: String
        public var description: String
        public var runbook: String
    }

    /// A host whose agent last said it is in maintenance (`gpucluster upgrade`): its last value
    /// within 6 h, so the silence holds through the reboot (no samples) and ends the scrape after
    /// the flag is cleared (the agent then exports 0), or 6 h on if the host never comes back.
    static let inMaintenance = "(last_over_time(\(Metric.maintenance.name){job=\"gpucluster-agent\"}[6h]) == 1)"

    /// Expected GPUs vanish, disks and backups fail on these timescales; a page is for
    /// `critical`, `warning` goes to the channel, `info` is a notice (idle-held GPUs).
    public static func rules(_ spec: ClusterSpec) -> [Rule] {
        let m = Metric.self
        let idleHours = max(1, spec.dashboard.idleMinutes.value * 4 / 60)
        let idleRatio = Double(spec.dashboard.idleUtilizationPercent.value) / 100
        return [
            Rule(name: "HostDown", expr: "up{job=\"node\"} == 0 unless on(node) \(Self.inMaintenance)", forDuration: "2m", severity: "critical",
                 summary: "{{ $labels.node }} does not answer (node exporter down or host off)",
                 description: "Prometheus has not reached the node exporter on {{ $labels.node }} for 2 minutes.",
                 runbook: "Is the host up? `gpucluster lab status` / IPMI; then `systemctl status prometheus-node-exporter` on it."),
            Rule(name: "AgentDown", expr: "up{job=\"gpucluster-agent\"} == 0 unless on(node) \(Self.inMaintenance)", forDuration: "2m", severity: "critical",
                 summary: "The gpucluster agent on {{ $labels.node }} does not answer",
                 description: "No scrape of the agent for 2 minutes: the node's GPUs are unknown to the dashboard.",
                 runbook: "`systemctl status gpucluster-agent gpucluster-agent-proxy.socket` on the node; `journalctl -u gpucluster-agent`."),
            Rule(name: "GPUBackendDown", expr: "\(m.gpuBackendUp.name) == 0 unless on(node) \(Self.inMaintenance)", forDuration: "5m", severity: "critical",
                 summary: "No GPU backend on {{ $labels.node }} (driver not loaded?)",
                 description: "Neither NVML nor nvidia-smi answered for 5 minutes.",
                 runbook: "`nvidia-smi` on the node; check the driver (`dmesg | grep -i nvrm`)."),
            Rule(name: "GPUDriverMismatch", expr: "\(m.gpuDriverProblem.name){reason=\"version_mismatch\"} == 1", forDuration: "2m", severity: "critical",
                 summary: "{{ $labels.node }} needs a reboot: driver {{ $labels.loaded_version }} loaded, {{ $labels.library_version }} installed",
                 description: "A new NVIDIA library beside the old kernel module: NVML and CUDA jobs fail (driver/library mismatch).",
                 runbook: "Drain the node and reboot it. Was gpu.driver changed, or was the hold bypassed (`apt-mark showhold`)?"),
            Rule(name: "GPUDriverProblem", expr: "\(m.gpuDriverProblem.name){reason!=\"version_mismatch\"} == 1", forDuration: "5m", severity: "warning",
                 summary: "NVIDIA driver stack on {{ $labels.node }}: {{ $labels.reason }}",
                 description: "No kernel module, persistence mode off, or no fabric manager on an NVSwitch system.",
                 runbook: "`lsmod | grep nvidia`; `systemctl status nvidia-persistenced nvidia-fabricmanager`; apply --limit NODE."),
            Rule(name: "GPULost", expr: "\(m.gpuUp.name) == 0 unless on(node) \(Self.inMaintenance)", forDuration: "1m", severity: "critical",
                 summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} is lost",
                 description: "The GPU fell off the bus or stopped answering (NVML_ERROR_GPU_IS_LOST).",
                 runbook: "Drain the node; a lost GPU needs a reset or a reboot (`nvidia-smi -r` if nothing runs)."),
            Rule(name: "GPUsMissing", expr: "\(m.gpusMissing.name) > 0", forDuration: "5m", severity: "warning",
                 summary: "{{ $value }} GPUs missing on {{ $labels.node }} (fewer than the spec's gpus:)",
                 description: "The node reports fewer working GPUs than cluster.yaml expects.",
                 runbook: "`nvidia-smi -L` on the node; compare with `gpus:` in cluster.yaml."),
            Rule(name: "GPUFatalXID", expr: "increase(\(m.gpuXidErrorsTotal.name){xid=~\"\(FatalXID.promQLPattern)\"}[10m]) > 0", forDuration: nil,
                 severity: "critical", summary: "XID {{ $labels.xid }} on {{ $labels.node }} GPU {{ $labels.gpu }}: the GPU needs attention",
                 description: "A fatal XID (ECC, row remap, NVLink, fell off the bus, memory containment) in the last 10 minutes.",
                 runbook: "Look the XID up in NVIDIA's XID catalogue; drain the GPU; reset it before new work."),
            Rule(name: "GPUXIDError", expr: "increase(\(m.gpuXidErrorsTotal.name){xid!~\"\(FatalXID.promQLPattern)\"}[10m]) > 0", forDuration: nil,
                 severity: "warning", summary: "XID {{ $labels.xid }} on {{ $labels.node }} GPU {{ $labels.gpu }}",
                 description: "An XID error in the last 10 minutes (often an application fault).",
                 runbook: "`journalctl -k | grep -i xid` on the node; tell the GPU's user."),
            Rule(name: "GPUUncorrectableECC", expr: "increase(\(m.gpuEccErrorsTotal.name){type=\"uncorrected\"}[10m]) > 0", forDuration: nil,
                 severity: "critical", summary: "Uncorrectable ECC errors on {{ $labels.node }} GPU {{ $labels.gpu }}",
                 description: "The GPU's memory reported uncorrectable errors: results on it may be wrong.",
                 runbook: "Drain the GPU; check row remapping; reset it; replace it if it recurs."),
            Rule(name: "GPURowRemapFailed", expr: "\(m.gpuRemappedRowsFailed.name) > 0", forDuration: nil, severity: "critical",
                 summary: "Row remapping failed on {{ $labels.node }} GPU {{ $labels.gpu }}: replace or reset",
                 description: "The GPU ran out of spare memory rows.",
                 runbook: "RMA the GPU; keep it drained."),
            Rule(name: "GPUTooHot", expr: "\(m.gpuTemperatureCelsius.name) > 87", forDuration: "5m", severity: "warning",
                 summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} is at {{ $value }} °C",
                 description: "Above 87 °C for 5 minutes: cooling, airflow or a fan is failing.",
                 runbook: "Check the room and the chassis fans; `nvidia-smi -q -d TEMPERATURE,PERFORMANCE`."),
            Rule(name: "GPUThermalThrottle",
                 expr: "\(m.gpuThrottleActive.name){reason=~\"hw_thermal_slowdown|sw_thermal_slowdown|hw_slowdown\"} == 1", forDuration: "10m",
                 severity: "warning", summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} is throttled ({{ $labels.reason }})",
                 description: "The GPU has slowed its clocks for heat or power for 10 minutes.",
                 runbook: "Check cooling and power; `nvidia-smi -q -d PERFORMANCE` names the reason."),
            Rule(name: "FilesystemNearlyFull",
                 expr: "node_filesystem_avail_bytes{job=\"node\",fstype!~\"tmpfs|overlay|squashfs\"} / node_filesystem_size_bytes{job=\"node\",fstype!~\"tmpfs|overlay|squashfs\"} < 0.10",
                 forDuration: "10m", severity: "warning",
                 summary: "{{ $labels.mountpoint }} on {{ $labels.node }} is over 90 % full",
                 description: "Less than 10 % of the filesystem is free.",
                 runbook: "`du -xh --max-depth=2 {{ $labels.mountpoint }} | sort -h | tail` on the node; ask the biggest users."),
            Rule(name: "FilesystemPredictedFull",
                 expr: "predict_linear(node_filesystem_avail_bytes{job=\"node\",fstype!~\"tmpfs|overlay|squashfs\"}[6h], 24 * 3600) < 0",
                 forDuration: "1h", severity: "warning",
                 summary: "{{ $labels.mountpoint }} on {{ $labels.node }} will be full within a day at this rate",
                 description: "The last 6 hours' trend reaches zero free space within 24 hours.",
                 runbook: "Find what is writing (`iotop`, large new files); warn its owner before it fills."),
            Rule(name: "MemoryPressure",
                 expr: "node_memory_MemAvailable_bytes{job=\"node\"} / node_memory_MemTotal_bytes{job=\"node\"} < 0.05", forDuration: "10m",
                 severity: "warning", summary: "{{ $labels.node }} has less than 5 % of its memory available",
                 description: "The kernel will soon kill processes (OOM).",
                 runbook: "`ps aux --sort=-rss | head` on the node; tell the user."),
            Rule(name: "NFSHomeNotMounted",
                 expr: "(up{job=\"node\",home_on_nfs=\"yes\"} == 1) unless on(node) node_filesystem_size_bytes{job=\"node\",mountpoint=\"/home\",fstype=~\"nfs|nfs4\"}",
                 forDuration: "5m", severity: "critical", summary: "/home is not mounted from the NFS server on {{ $labels.node }}",
                 description: "Users' homes are missing there: jobs would write to the local disk.",
                 runbook: "`findmnt /home` and `mount /home` on the node; is the NFS server up?"),
            Rule(name: "LogForwardingDown", expr: "node_systemd_unit_state{job=\"node\",name=\"rsyslog.service\",state=\"active\"} == 0",
                 forDuration: "5m", severity: "warning", summary: "rsyslog is not running on {{ $labels.node }}: its logs do not reach the sink",
                 description: "No log forwarding from this host for 5 minutes.",
                 runbook: "`systemctl status rsyslog` on the host; `journalctl -u rsyslog`."),
            Rule(name: "DiskFailing", expr: "\(m.diskSmartHealthy.name) == 0", forDuration: nil, severity: "critical",
                 summary: "SMART says {{ $labels.device }} on {{ $labels.node }} is failing",
                 description: "The disk's own health assessment failed: replace it.",
                 runbook: "`smartctl -a {{ $labels.device }}`; check the last backup; replace the disk."),
            Rule(name: "DiskSelfTestFailed", expr: "\(m.diskLastSelftestPassed.name) == 0", forDuration: nil, severity: "critical",
                 summary: "The last SMART self-test of {{ $labels.device }} on {{ $labels.node }} failed",
                 description: "The disk found errors it could not fix.",
                 runbook: "`smartctl -l selftest {{ $labels.device }}`; plan the replacement."),
            Rule(name: "DiskNoRecentSelfTest", expr: "\(m.diskLastSelftestAgeHours.name) > 192", forDuration: "1h", severity: "warning",
                 summary: "No SMART self-test of {{ $labels.device }} on {{ $labels.node }} for over 8 days",
                 description: "smartd should run a long test weekly (cluster.yaml smart.long).",
                 runbook: "`systemctl status smartmontools` on the node; `smartctl -t long {{ $labels.device }}`."),
            Rule(name: "DiskPendingSectors", expr: "\(m.diskPendingSectors.name) > 0", forDuration: "1h", severity: "warning",
                 summary: "{{ $labels.device }} on {{ $labels.node }} has pending sectors",
                 description: "Sectors wait to be reallocated: the disk may be failing.",
                 runbook: "`smartctl -A {{ $labels.device }}`; watch the count; check the backup."),
            Rule(name: "BackupStale", expr: "time() - \(m.backupLastSuccessTimestampSeconds.name) > 26 * 3600", forDuration: nil, severity: "critical",
                 summary: "No successful backup for over 26 hours",
                 description: "The daily backup has not succeeded since {{ $value | humanizeDuration }} ago.",
                 runbook: "`gpucluster backup list` on the backup server; `journalctl -u gpucluster-backup`."),
            Rule(name: "BackupFailed",
                 expr: "\(m.backupLastExitCode.name) != 0 and \(m.backupLastExitCode.name) != 24", forDuration: nil, severity: "critical",
                 summary: "The last backup run failed (rsync exit {{ $value }})",
                 description: "The partial copy is kept and continued by the next run.",
                 runbook: "`gpucluster backup list` says why; `journalctl -u gpucluster-backup`."),
            Rule(name: "BackupVerifyFailed", expr: "\(m.backupVerifyOk.name) == 0", forDuration: nil, severity: "critical",
                 summary: "Backup verification found files whose content or size differs with the same time",
                 description: "Silent corruption in the backup or on the source.",
                 runbook: "`gpucluster backup verify` on the backup server lists the files."),
            Rule(name: "IdleHeldGPU",
                 expr: "\(m.gpuUserProcesses.name) > 0 and on(node, uuid) (max_over_time(\(m.gpuUtilizationRatio.name)[\(idleHours)h:]) <= \(idleRatio))"
                     + " and on(node, uuid) (min_over_time(\(m.gpuProcesses.name)[\(idleHours)h:]) > 0)",
                 forDuration: nil, severity: "info",
                 summary: "{{ $labels.user }} holds GPU {{ $labels.gpu }} on {{ $labels.node }} idle for \(idleHours) hours",
                 description: "Processes hold the GPU but have not used it: others could.",
                 runbook: "A notice for {{ $labels.user }}: free the GPU if the work is done."),
        ]
    }

    /// Where a rule's link points: the dashboard's node page, at the address admins reach.
    static func dashboardLink(_ spec: ClusterSpec) -> String? {
        guard let host = spec.hosts(withRole: .dashboard).first else { return nil }
        let address = host.addresses.first { spec.network(named: $0.network.value)?.scope == .public } ?? host.addresses.first
        return address.map { "http://\($0.address.value):\(spec.dashboard.port.value)/node/{{ $labels.node }}" }
    }

    /// `annotations: false` leaves them out (promtool's unit tests compare annotations in full;
    /// their templates are checked by `promtool check rules` on the real file).
    public static func text(_ spec: ClusterSpec, annotations: Bool = true) -> String {
        let link = dashboardLink(spec)
        var out = "# Generated by `gpucluster render`: alerts on what the agents and node exporters report.\ngroups:\n  - name: gpucluster\n    rules:\n"
        for r in rules(spec) {
            out += "      - alert: \(r.name)\n        expr: \(expression(r.expr))\n"
            if let f = r.forDuration { out += "        for: \(f)\n" }
            out += "        labels: { severity: \(r.severity) }\n"
            guard annotations else { continue }
            out += "        annotations:\n"
            out += "          summary: \(yaml(r.summary))\n          description: \(yaml(r.description))\n          runbook: \(yaml(r.runbook))\n"
            if let link { out += "          dashboard: \(yaml(link))\n" }
        }
        return out
    }

    /// Long expressions as a folded block, one operand per line (YAML joins them with spaces).
    static func expression(_ e: String) -> String {
        guard e.count > 110 else { return yaml(e) }
        var lines: [String] = []
        var rest = Substring(e)
        for sep in [" and on(", " unless on(", " / "] {
            var parts = rest.components(separatedBy: sep)
            guard parts.count > 1 else { continue }
            let first = parts.removeFirst()
            lines.append(first)
            rest = Substring(parts.map { String(sep.dropFirst()) + $0 }.joined(separator: "\u{0}"))
            lines += rest.split(separator: "\u{0}").map(String.init)
            return ">-\n" + lines.map { "          " + $0 }.joined(separator: "\n")
        }
        return yaml(e)
    }

    /// A YAML double-quoted scalar.
    static func yaml(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
