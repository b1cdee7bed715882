/// The whole cluster, as written in `cluster.yaml` (after decoding, before validation rules).
/// Every field a rule may complain about keeps its source location.
public struct ClusterSpec: Sendable {
    public var cluster: ClusterInfo
    public var networks: [Network]
    public var hosts: [Host]
    public var admins: [Located<String>]
    /// Networks admins log in from; SSH must stay open to them (no lock-out).
    public var adminAccessFrom: [Located<String>]
    public var users: [User]
    public var serviceAccounts: [ServiceAccount]
    public var services: [Service]
    public var internalPolicy: Located<InternalPolicy>
    public var nfs: NFS
    public var logging: Logging
    public var smart: Smart
    public var monitoring: Monitoring
    public var dashboard: DashboardSettings
    public var backup: Backup?
    public var security: SecuritySettings
    public var projects: [Project]
    /// The NVIDIA stack compute hosts get (`gpu:`).
    public var gpu: GPUStack
    /// Where each top-level key was written (for problems about a missing part).
    public var sectionLocations: [String: SourceLocation] = [:]
    /// Networks written but unreadable (bad CIDR): already reported, so not "unknown" elsewhere.
    public var unreadableNetworks: Set<String> = []

    public func section(_ key: String) -> SourceLocation { sectionLocations[key] ?? .start }

    /// Lookups by name and role, built once (`reindex()`), so a 1,000-host spec stays linear.
    var hostIndex: [String: Int] = [:]
    var roleIndex: [Role: [Int]] = [:]

    public mutating func reindex() {
        hostIndex = [:]
        roleIndex = [:]
        for (i, h) in hosts.enumerated() {
            if hostIndex[h.name.value] == nil { hostIndex[h.name.value] = i }
            for r in Set(h.roles.map(\.value)) { roleIndex[r, default: []].append(i) }
        }
    }

    public func network(named n: String) -> Network? { networks.first { $0.name.value == n } }
    public func host(named n: String) -> Host? { hostIndex[n].map { hosts[$0] } }
    /// The cluster's OS, and a host's (its own `os:`, else the cluster's). An unsupported
    /// value is validation's error; here it reads as the oldest supported release.
    public var release: OSRelease { OSRelease(rawValue: cluster.os.value) ?? .debian12 }
    public func release(of h: Host) -> OSRelease { h.os.flatMap { OSRelease(rawValue: $0.value) } ?? release }
    public func hosts(withRole r: Role) -> [Host] { (roleIndex[r] ?? []).map { hosts[$0] } }
    public var bastion: Host? { hosts.first { $0.has(.bastion) } }
}

public struct ClusterInfo: Sendable {
    public var name: Located<String>
    public var domain: String?
    public var os: Located<String>
    public var timezone: String
}

public enum Role: String, Sendable, CaseIterable, Comparable {
    case bastion, compute, nfsServer = "nfs-server", logSink = "log-sink", monitor, dashboard, backup
    public static func < (a: Role, b: Role) -> Bool {
        (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
    }
}

public struct Host: Sendable {
    public var name: Located<String>
    public var roles: [Located<Role>]
    public var addresses: [HostAddress]
    /// GPUs the host is expected to have; the agent reports fewer as a problem.
    public var gpus: Located<Int>?
    public var tags: [String]
    /// An NVSwitch system (HGX/DGX): the GPUs talk over NVLink switches, which need NVIDIA's
    /// fabric manager running before any CUDA job can start.
    public var nvswitch: Located<Bool>?
    /// This host's OS when it differs from `cluster.os` (a cluster moving to a new release).
    public var os: Located<String>?
    public var location: SourceLocation
    /// Some written roles were unknown (already reported): skip checks that need all roles.
    public var hasUnknownRoles = false

    public func has(_ r: Role) -> Bool { roles.contains { $0.value == r } }
    public func address(on network: String) -> IPv4? {
        addresses.first { $0.network.value == network }?.address.value
    }
}

public struct HostAddress: Sendable {
    public var network: Located<String>
    public var address: Located<IPv4>
}

public enum PythonToolchain: String, Sendable, CaseIterable { case conda, pyenv, venv, none }

public struct User: Sendable {
    public var name: Located<String>
    public var uid: Located<Int>
    /// Personal group id; defaults to the uid.
    public var gid: Located<Int>
    /// false when the gid was defaulted from the uid (so a uid problem is not reported twice).
    public var gidWritten = true
    public var github: Located<String>?
    public var keys: [Located<String>]
    public var shell: String
    public var python: PythonToolchain
    public var location: SourceLocation
}

/// A non-human account (e.g. the backup reader) whose sudo rights are exact command strings.
public struct ServiceAccount: Sendable {
    public var name: Located<String>
    public var uid: Located<Int>
    /// Hosts or roles the account exists on.
    public var on: [Located<String>]
    public var sudo: [Located<String>]
    public var keys: [Located<String>]
    public var location: SourceLocation
}

/// One entry of the firewall policy: who may reach which ports on which hosts.
public struct Service: Sendable {
    public var name: Located<String>
    public var tcp: [Located<Int>]
    public var udp: [Located<Int>]
    /// Ports were written (some may have been invalid and already reported).
    public var portsWritten = true
    /// Roles or host names; empty means every host.
    public var on: [Located<String>]
    /// Network, role or host names allowed to connect.
    public var from: [Located<String>]
    public var fromWritten: Bool
    /// Must never be reachable from a public network (e.g. NFS, the agents).
    public var insideOnly: Located<Bool>
    public var location: SourceLocation
}

public enum InternalPolicy: String, Sendable, CaseIterable {
    /// Compute hosts accept internal connections only from the bastion (the seed's choice).
    case toBastionOnly = "to-bastion-only"
    /// Hosts on an internal network accept each other as the services allow.
    case open
}

public struct NFS: Sendable {
    public var exports: [NFSExport]
}

public struct NFSExport: Sendable {
    public var path: Located<String>
    public var options: [Located<String>]
    /// Networks the export is offered to; default: the internal networks of the NFS server.
    public var to: [Located<String>]
    public var location: SourceLocation
}

public enum LogProtocol: String, Sendable, CaseIterable { case tcp, udp }

public struct Logging: Sendable {
    public var proto: Located<LogProtocol>
    public var port: Located<Int>
}

public struct Smart: Sendable {
    public var short: Located<Schedule>
    public var long: Located<Schedule>
}

public struct Monitoring: Sendable {
    public var retentionDays: Located<Int>
    public var scrapeIntervalSeconds: Located<Int>
    public var agentPort: Located<Int>
    public var slackWebhookFile: Located<String>?
    public var slackChannel: String?
}

/// What "free" and "idle-held" mean on the dashboard (docs/DESIGN.md).
public struct DashboardSettings: Sendable {
    public var port: Located<Int>
    public var freeMemoryMiB: Located<Int>
    public var idleUtilizationPercent: Located<Int>
    public var idleMinutes: Located<Int>
}

public struct Backup: Sendable {
    public var server: Located<String>
    public var from: Located<String>
    /// The service account on `from` that the server logs in as (its sudo: exact rsync strings).
    public var account: Located<String>
    public var paths: [Located<String>]
    public var schedule: Located<Schedule>
    public var keepDaily: Located<Int>
    public var keepWeekly: Located<Int>
    public var keepMonthly: Located<Int>
    /// Off by default: the bastion must not reach the backup server (anti-ransomware).
    public var allowBastionAccess: Located<Bool>
    public var location: SourceLocation
    /// Verification of one slice in N daily (`backup verify --sample 1/N`: every file within N
    /// days) instead of every file weekly; nil: every file, weekly.
    public var verifySample: Located<Int>? = nil
}
