import Planning
import Spec

/// The packages the main play's roles need on a host, installed by `base` in one apt run
/// (`base_packages`, host vars). Kept out: what a role installs in its own play after the
/// firewall is on (fail2ban, Prometheus, Alertmanager, backup, the driver: they start
/// listening services or need NVIDIA's sources first) and auditd (left out in containers,
/// a fact only the host knows).
enum HostPackages {
    static let base = ["chrony", "python3", "rsync", "smartmontools", "ufw"]
    static let updates = ["unattended-upgrades", "needrestart"]

    static func mainPlay(_ a: HostAssignment, _ spec: ClusterSpec) -> [String] {
        var p = base + updates
        if a.roles.contains("sudo") { p.append("sudo") }
        if a.roles.contains("rsyslog") { p += a.host.has(.logSink) ? ["rsyslog", "logrotate"] : ["rsyslog"] }
        if a.roles.contains("nfs") { p.append(a.host.has(.nfsServer) ? "nfs-kernel-server" : "nfs-common") }
        if a.nodeExporterAddress != nil { p.append("prometheus-node-exporter") }
        if a.holdsHomes { p += PythonRole.packages(spec) }
        var seen = Set<String>()
        return p.filter { seen.insert($0).inserted }
    }
}
