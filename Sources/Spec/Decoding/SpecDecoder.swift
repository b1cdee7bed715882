/// Decodes the YAML tree into a `ClusterSpec`: key names, types, ranges and defaults.
/// Cross-references (does that network exist? is that uid unique?) are the rules' job.
public enum SpecKeys {
    public static let top = ["cluster", "networks", "hosts", "admins", "adminAccess", "users", "serviceAccounts",
                             "services", "internal", "nfs", "logging", "smart", "monitoring", "dashboard", "backup",
                             "security", "projects", "gpu"]
    public static let cluster = ["name", "domain", "os", "timezone"]
    public static let network = ["cidr", "scope"]
    public static let host = ["name", "roles", "addresses", "gpus", "tags", "nvswitch", "os"]
    public static let adminAccess = ["from"]
    public static let user = ["name", "uid", "gid", "github", "keys", "shell", "python"]
    public static let serviceAccount = ["name", "uid", "on", "sudo", "keys"]
    public static let service = ["tcp", "udp", "on", "from", "insideOnly"]
    public static let internalPolicy = ["policy"]
    public static let nfs = ["exports"]
    public static let nfsExport = ["path", "options", "to"]
    public static let logging = ["protocol", "port"]
    public static let smart = ["short", "long"]
    public static let monitoring = ["retention", "scrapeInterval", "agentPort", "notify"]
    public static let notify = ["slack"]
    public static let slack = ["webhookFile", "channel"]
    public static let dashboard = ["port", "freeMemoryMiB", "idleUtilizationPercent", "idleMinutes"]
    public static let backup = ["server", "from", "account", "paths", "schedule", "keep", "allowBastionAccess", "verifySample"]
    public static let keep = ["daily", "weekly", "monthly"]
    public static let security = ["ssh", "homeMode", "umask", "updates", "bruteForce"]
    public static let ssh = ["kex", "ciphers", "macs", "hostKeys", "maxAuthTries", "maxSessions", "tcpForwarding",
                             "agentForwarding", "x11Forwarding"]
    public static let updates = ["securitySuite", "automatic", "securityMirror"]
    public static let bruteForce = ["enabled", "maxRetry", "findTime", "banTime"]
    public static let project = ["name", "gid", "members", "path"]
    public static let gpu = ["driver", "source", "containers", "mirror"]
}

public enum SpecDefaults {
    public static let os = "debian-12"
    public static let agentPort = 9855
    public static let dashboardPort = 8080
    public static let backupAccount = "backup-reader"
    public static let retentionDays = 400
    public static let scrapeIntervalSeconds = 15
    public static let syslogPort = 514
    public static let freeMemoryMiB = 1024
    public static let idleUtilizationPercent = 5
    public static let idleMinutes = 30
    public static let smartShort = "daily 02"
    public static let smartLong = "weekly sat 03"
}

struct SpecDecoder {
    var r = NodeReader()
    var unreadableNetworks: [String] = []

    mutating func decode(_ root: YAMLNode) -> ClusterSpec? {
        guard let top = r.fields(root, "the spec", allowed: SpecKeys.top, required: ["cluster", "networks", "hosts", "users"]) else {
            return nil
        }
        let here = root.location
        let cluster = decodeCluster(top["cluster"], fallback: here)
        let networks = decodeNetworks(top["networks"])
        let hosts = (r.list(top["hosts"], "hosts", maxCount: 10_000) ?? []).enumerated().compactMap { decodeHost($1, "hosts[\($0)]") }
        let admins = r.strings(top["admins"], "admins", maxLength: 64)
        var adminFrom: [Located<String>] = []
        if let a = top["adminAccess"], let f = r.fields(a, "adminAccess", allowed: SpecKeys.adminAccess, required: ["from"]) {
            adminFrom = r.strings(f["from"], "adminAccess.from", maxLength: 64)
        }
        let users = (r.list(top["users"], "users", maxCount: 10_000) ?? []).enumerated().compactMap { decodeUser($1, "users[\($0)]") }
        let accounts = (r.list(top["serviceAccounts"], "serviceAccounts", maxCount: 1000) ?? []).enumerated()
            .compactMap { decodeServiceAccount($1, "serviceAccounts[\($0)]") }
        let services = decodeServices(top["services"])
        var policy = Located(InternalPolicy.toBastionOnly, at: here)
        if let i = top["internal"], let f = r.fields(i, "internal", allowed: SpecKeys.internalPolicy),
           let p = r.oneOf(f["policy"], "internal.policy", InternalPolicy.self) {
            policy = p
        }
        let nfs = decodeNFS(top["nfs"])
        let logging = decodeLogging(top["logging"], fallback: here)
        let smart = decodeSmart(top["smart"], fallback: here)
        let monitoring = decodeMonitoring(top["monitoring"], fallback: here)
        let dashboard = decodeDashboard(top["dashboard"], fallback: here)
        let backup = top["backup"].flatMap { decodeBackup($0) }
        let security = decodeSecurity(top["security"], fallback: here)
        let projects = (r.list(top["projects"], "projects", maxCount: 1000) ?? []).enumerated().compactMap { decodeProject($1, "projects[\($0)]") }
        let gpu = decodeGPUStack(top["gpu"], fallback: here)
        guard let cluster else { return nil }
        let unreadable = Set(unreadableNetworks)
        var spec = ClusterSpec(cluster: cluster, networks: networks, hosts: hosts, admins: admins, adminAccessFrom: adminFrom,
                           users: users, serviceAccounts: accounts, services: services, internalPolicy: policy,
                           nfs: nfs, logging: logging, smart: smart, monitoring: monitoring, dashboard: dashboard,
                           backup: backup, security: security, projects: projects, gpu: gpu)
        spec.sectionLocations = top.keyLocations
        spec.unreadableNetworks = unreadable
        spec.reindex()
        return spec
    }

    mutating func decodeCluster(_ n: YAMLNode?, fallback: SourceLocation) -> ClusterInfo? {
        guard let n, let f = r.fields(n, "cluster", allowed: SpecKeys.cluster, required: ["name"]) else { return nil }
        guard let name = r.string(f["name"], "cluster.name", maxLength: 63) else { return nil }
        let os = r.string(f["os"], "cluster.os", maxLength: 40) ?? Located(SpecDefaults.os, at: n.location)
        return ClusterInfo(name: name, domain: r.string(f["domain"], "cluster.domain", maxLength: 253)?.value, os: os,
                           timezone: r.string(f["timezone"], "cluster.timezone", maxLength: 64)?.value ?? "Etc/UTC")
    }

    mutating func decodeNetworks(_ n: YAMLNode?) -> [Network] {
        guard let n else { return [] }
        guard case .mapping(let pairs) = n.kind else {
            r.diagnostics.error(n.location, "networks must be a mapping of network name to { cidr: … }, not \(n.typeName)")
            return []
        }
        var out: [Network] = []
        for (k, v) in pairs {
            guard let name = r.string(k, "a network name", maxLength: 32) else { continue }
            let path = "networks.\(name.value)"
            guard let f = r.fields(v, path, allowed: SpecKeys.network, required: ["cidr"]) else { continue }
            guard let c = r.string(f["cidr"], "\(path).cidr", maxLength: 40) else { continue }
            guard let cidr = CIDR(c.value) else {
                r.diagnostics.error(c.at, "\(path).cidr '\(Diagnostic.printable(c.value))' is not an IPv4 network",
                                    hint: "write it as ADDRESS/PREFIX, e.g. 10.10.0.0/24")
                unreadableNetworks.append(name.value)
                continue
            }
            let scope = r.oneOf(f["scope"], "\(path).scope", NetworkScope.self)?.value
                ?? (name.value == "public" ? .public : .internal)
            out.append(Network(name: name, cidr: Located(cidr, at: c.at), scope: scope, location: k.location))
        }
        return out
    }

    mutating func decodeHost(_ n: YAMLNode, _ path: String) -> Host? {
        guard let f = r.fields(n, path, allowed: SpecKeys.host, required: ["name", "roles"]) else { return nil }
        guard let name = r.string(f["name"], "\(path).name", maxLength: 63) else { return nil }
        let p = "host '\(name.value)'"
        var roles: [Located<Role>] = []
        var unknownRoles = false
        if let list = r.list(f["roles"], "\(p) roles", maxCount: 20) {
            for (i, item) in list.enumerated() {
                if let role = r.oneOf(item, "\(p) roles[\(i)]", Role.self) { roles.append(role) } else { unknownRoles = true }
            }
        } else if f.values["roles"] != nil {
            unknownRoles = true
        }
        var addresses: [HostAddress] = []
        if let a = f["addresses"] {
            if case .mapping(let pairs) = a.kind {
                for (k, v) in pairs {
                    guard let net = r.string(k, "\(p) address network", maxLength: 32),
                          let text = r.string(v, "\(p) address on \(net.value)", maxLength: 40) else { continue }
                    guard let ip = IPv4(text.value) else {
                        r.diagnostics.error(text.at, "\(p): '\(Diagnostic.printable(text.value))' is not an IPv4 address",
                                            hint: "write four numbers 0–255 separated by dots, e.g. 10.10.0.11")
                        continue
                    }
                    addresses.append(HostAddress(network: net, address: Located(ip, at: text.at)))
                }
            } else {
                r.diagnostics.error(a.location, "\(p) addresses must map network names to addresses, not \(a.typeName)",
                                    hint: "e.g. addresses: { internal: 10.10.0.11 }")
            }
        } else {
            r.diagnostics.error(n.location, "\(p) has no addresses", hint: "give it an address on at least one network")
        }
        let gpus = r.int(f["gpus"], "\(p) gpus", range: 0...64)
        let tags = r.strings(f["tags"], "\(p) tags", maxLength: 64).map(\.value)
        var host = Host(name: name, roles: roles, addresses: addresses, gpus: gpus, tags: tags,
                        nvswitch: r.bool(f["nvswitch"], "\(p) nvswitch"), os: r.string(f["os"], "\(p) os", maxLength: 40),
                        location: n.location)
        host.hasUnknownRoles = unknownRoles
        return host
    }

    mutating func decodeUser(_ n: YAMLNode, _ path: String) -> User? {
        guard let f = r.fields(n, path, allowed: SpecKeys.user, required: ["name"]) else { return nil }
        guard let name = r.string(f["name"], "\(path).name", maxLength: 64) else { return nil }
        let p = "user '\(name.value)'"
        guard let uidNode = f["uid"] else {
            r.diagnostics.error(n.location, "\(p) has no uid",
                                hint: "NFS needs the same uid on every machine: give each user a fixed uid, e.g. uid: 2001")
            return nil
        }
        guard let uid = r.int(uidNode, "\(p) uid", range: 0...4_294_967_294) else { return nil }
        let gid = f["gid"].flatMap { r.int($0, "\(p) gid", range: 0...4_294_967_294) } ?? uid
        let python = r.oneOf(f["python"], "\(p) python", PythonToolchain.self)?.value ?? .conda
        var user = User(name: name, uid: uid, gid: gid, github: r.string(f["github"], "\(p) github", maxLength: 39),
                    keys: r.strings(f["keys"], "\(p) keys", maxLength: 16_384),
                    shell: r.string(f["shell"], "\(p) shell", maxLength: 256)?.value ?? "/bin/bash",
                    python: python, location: n.location)
        user.gidWritten = f["gid"] != nil
        return user
    }

    mutating func decodeServiceAccount(_ n: YAMLNode, _ path: String) -> ServiceAccount? {
        guard let f = r.fields(n, path, allowed: SpecKeys.serviceAccount, required: ["name", "uid", "on"]) else { return nil }
        guard let name = r.string(f["name"], "\(path).name", maxLength: 32),
              let uid = r.int(f["uid"], "\(path).uid", range: 0...4_294_967_294) else { return nil }
        let p = "service account '\(name.value)'"
        return ServiceAccount(name: name, uid: uid, on: r.strings(f["on"], "\(p) on", maxLength: 64),
                              sudo: r.strings(f["sudo"], "\(p) sudo", maxLength: 4096),
                              keys: r.strings(f["keys"], "\(p) keys", maxLength: 16_384), location: n.location)
    }

    mutating func decodeServices(_ n: YAMLNode?) -> [Service] {
        guard let n else { return [] }
        guard case .mapping(let pairs) = n.kind else {
            r.diagnostics.error(n.location, "services must be a mapping of service name to { tcp: […], from: […] }, not \(n.typeName)")
            return []
        }
        var out: [Service] = []
        for (k, v) in pairs {
            guard let name = r.string(k, "a service name", maxLength: 40) else { continue }
            let p = "service '\(name.value)'"
            guard let f = r.fields(v, p, allowed: SpecKeys.service) else { continue }
            let tcp = r.ints(f["tcp"], "\(p) tcp", range: 1...65535)
            let udp = r.ints(f["udp"], "\(p) udp", range: 1...65535)
            let from = r.strings(f["from"], "\(p) from", maxLength: 64)
            let insideOnly = r.bool(f["insideOnly"], "\(p) insideOnly") ?? Located(false, at: v.location)
            var service = Service(name: name, tcp: tcp, udp: udp, on: r.strings(f["on"], "\(p) on", maxLength: 64),
                                  from: from, fromWritten: f.values["from"] != nil, insideOnly: insideOnly, location: k.location)
            service.portsWritten = f["tcp"] != nil || f["udp"] != nil
            out.append(service)
        }
        return out
    }

    mutating func decodeNFS(_ n: YAMLNode?) -> NFS {
        guard let n, let f = r.fields(n, "nfs", allowed: SpecKeys.nfs) else { return NFS(exports: []) }
        let exports: [NFSExport] = (r.list(f["exports"], "nfs.exports", maxCount: 100) ?? []).enumerated().compactMap { i, e in
            let p = "nfs.exports[\(i)]"
            guard let ef = r.fields(e, p, allowed: SpecKeys.nfsExport, required: ["path"]),
                  let path = r.string(ef["path"], "\(p).path", maxLength: 1024) else { return nil }
            let options = ef["options"] == nil ? [Located("rw", at: e.location), Located("sync", at: e.location),
                                                  Located("root_squash", at: e.location)]
                : r.strings(ef["options"], "\(p).options", maxLength: 64)
            return NFSExport(path: path, options: options, to: r.strings(ef["to"], "\(p).to", maxLength: 64), location: e.location)
        }
        return NFS(exports: exports)
    }

    mutating func decodeLogging(_ n: YAMLNode?, fallback: SourceLocation) -> Logging {
        var l = Logging(proto: Located(.tcp, at: fallback), port: Located(SpecDefaults.syslogPort, at: fallback))
        guard let n, let f = r.fields(n, "logging", allowed: SpecKeys.logging) else { return l }
        if let p = r.oneOf(f["protocol"], "logging.protocol", LogProtocol.self) { l.proto = p }
        if let p = r.int(f["port"], "logging.port", range: 1...65535) { l.port = p }
        return l
    }

    mutating func decodeSmart(_ n: YAMLNode?, fallback: SourceLocation) -> Smart {
        func dflt(_ s: String) -> Located<Schedule> {
            guard case .success(let v) = Schedule.parse(s) else {
                preconditionFailure("built-in schedule \(s) must parse")
            }
            return Located(v, at: fallback)
        }
        var s = Smart(short: dflt(SpecDefaults.smartShort), long: dflt(SpecDefaults.smartLong))
        guard let n, let f = r.fields(n, "smart", allowed: SpecKeys.smart) else { return s }
        if let v = r.schedule(f["short"], "smart.short") { s.short = v }
        if let v = r.schedule(f["long"], "smart.long") { s.long = v }
        return s
    }

    mutating func decodeMonitoring(_ n: YAMLNode?, fallback: SourceLocation) -> Monitoring {
        var m = Monitoring(retentionDays: Located(SpecDefaults.retentionDays, at: fallback),
                           scrapeIntervalSeconds: Located(SpecDefaults.scrapeIntervalSeconds, at: fallback),
                           agentPort: Located(SpecDefaults.agentPort, at: fallback), slackWebhookFile: nil, slackChannel: nil)
        guard let n, let f = r.fields(n, "monitoring", allowed: SpecKeys.monitoring) else { return m }
        if let v = r.days(f["retention"], "monitoring.retention") { m.retentionDays = v }
        if let v = r.seconds(f["scrapeInterval"], "monitoring.scrapeInterval") { m.scrapeIntervalSeconds = v }
        if let v = r.int(f["agentPort"], "monitoring.agentPort", range: 1...65535) { m.agentPort = v }
        if let nt = f["notify"], let nf = r.fields(nt, "monitoring.notify", allowed: SpecKeys.notify),
           let sl = nf["slack"], let sf = r.fields(sl, "monitoring.notify.slack", allowed: SpecKeys.slack) {
            m.slackWebhookFile = r.string(sf["webhookFile"], "monitoring.notify.slack.webhookFile", maxLength: 1024)
            m.slackChannel = r.string(sf["channel"], "monitoring.notify.slack.channel", maxLength: 80)?.value
            if m.slackWebhookFile == nil {
                r.diagnostics.error(sl.location, "monitoring.notify.slack needs webhookFile: the path of a file holding the webhook URL")
            }
        }
        return m
    }

    mutating func decodeDashboard(_ n: YAMLNode?, fallback: SourceLocation) -> DashboardSettings {
        var d = DashboardSettings(port: Located(SpecDefaults.dashboardPort, at: fallback),
                                  freeMemoryMiB: Located(SpecDefaults.freeMemoryMiB, at: fallback),
                                  idleUtilizationPercent: Located(SpecDefaults.idleUtilizationPercent, at: fallback),
                                  idleMinutes: Located(SpecDefaults.idleMinutes, at: fallback))
        guard let n, let f = r.fields(n, "dashboard", allowed: SpecKeys.dashboard) else { return d }
        if let v = r.int(f["port"], "dashboard.port", range: 1...65535) { d.port = v }
        if let v = r.int(f["freeMemoryMiB"], "dashboard.freeMemoryMiB", range: 0...1_048_576) { d.freeMemoryMiB = v }
        if let v = r.int(f["idleUtilizationPercent"], "dashboard.idleUtilizationPercent", range: 0...100) { d.idleUtilizationPercent = v }
        if let v = r.int(f["idleMinutes"], "dashboard.idleMinutes", range: 1...10_080) { d.idleMinutes = v }
        return d
    }

    mutating func decodeBackup(_ n: YAMLNode) -> Backup? {
        guard let f = r.fields(n, "backup", allowed: SpecKeys.backup, required: ["server", "from", "paths"]),
              let server = r.string(f["server"], "backup.server", maxLength: 63),
              let from = r.string(f["from"], "backup.from", maxLength: 63) else { return nil }
        let account = r.string(f["account"], "backup.account", maxLength: 32) ?? Located(SpecDefaults.backupAccount, at: n.location)
        var b = Backup(server: server, from: from, account: account, paths: r.strings(f["paths"], "backup.paths", maxLength: 1024),
                       schedule: Located(Schedule(period: .daily, hour: 1, minute: 30), at: n.location),
                       keepDaily: Located(7, at: n.location), keepWeekly: Located(4, at: n.location),
                       keepMonthly: Located(12, at: n.location),
                       allowBastionAccess: r.bool(f["allowBastionAccess"], "backup.allowBastionAccess")
                           ?? Located(false, at: n.location), location: n.location)
        if let s = r.schedule(f["schedule"], "backup.schedule") { b.schedule = s }
        // The bound is the verifier's own (VerifySample.maxSlices in the Backup module).
        if let v = r.int(f["verifySample"], "backup.verifySample", range: 2...366) { b.verifySample = v }
        if let k = f["keep"], let kf = r.fields(k, "backup.keep", allowed: SpecKeys.keep) {
            if let v = r.int(kf["daily"], "backup.keep.daily", range: 0...3650) { b.keepDaily = v }
            if let v = r.int(kf["weekly"], "backup.keep.weekly", range: 0...520) { b.keepWeekly = v }
            if let v = r.int(kf["monthly"], "backup.keep.monthly", range: 0...1200) { b.keepMonthly = v }
        }
        return b
    }

    mutating func decodeSecurity(_ n: YAMLNode?, fallback: SourceLocation) -> SecuritySettings {
        var sec = SecuritySettings.defaults(at: fallback)
        guard let n, let f = r.fields(n, "security", allowed: SpecKeys.security) else { return sec }
        if let s = f["ssh"], let sf = r.fields(s, "security.ssh", allowed: SpecKeys.ssh) {
            func algorithms(_ key: String) -> [Located<String>]? {
                guard let node = sf[key] else { return nil }
                let list = r.strings(node, "security.ssh.\(key)", maxLength: 64)
                if list.isEmpty, case .sequence = node.kind {
                    // An empty list would leave sshd on its compiled-in defaults.
                    r.diagnostics.error(node.location, "security.ssh.\(key) is empty: sshd would offer its compiled-in defaults",
                                        hint: "leave the key out for the baseline's list")
                    return nil
                }
                return list.isEmpty ? nil : list
            }
            if let v = algorithms("kex") { sec.ssh.kex = v }
            if let v = algorithms("ciphers") { sec.ssh.ciphers = v }
            if let v = algorithms("macs") { sec.ssh.macs = v }
            if sf["hostKeys"] != nil {
                let keys = (r.list(sf["hostKeys"], "security.ssh.hostKeys", maxCount: 2) ?? []).enumerated()
                    .compactMap { r.oneOf($1, "security.ssh.hostKeys[\($0)]", SSHHostKeyType.self) }
                if let node = sf["hostKeys"], case .sequence(let items) = node.kind, items.isEmpty {
                    r.diagnostics.error(node.location, "security.ssh.hostKeys is empty: sshd needs a host key", hint: "hostKeys: [ed25519]")
                }
                if !keys.isEmpty { sec.ssh.hostKeys = keys }
            }
            if let v = r.int(sf["maxAuthTries"], "security.ssh.maxAuthTries", range: 1...10) { sec.ssh.maxAuthTries = v }
            if let v = r.int(sf["maxSessions"], "security.ssh.maxSessions", range: 1...100) { sec.ssh.maxSessions = v }
            if let v = r.bool(sf["tcpForwarding"], "security.ssh.tcpForwarding") { sec.ssh.tcpForwarding = v }
            if let v = r.bool(sf["agentForwarding"], "security.ssh.agentForwarding") { sec.ssh.agentForwarding = v }
            if let v = r.bool(sf["x11Forwarding"], "security.ssh.x11Forwarding") { sec.ssh.x11Forwarding = v }
        }
        if let s = r.string(f["homeMode"], "security.homeMode", maxLength: 8) {
            switch s.value {
            case "0700", "700": sec.homeMode = Located(0o700, at: s.at)
            case "0750", "750": sec.homeMode = Located(0o750, at: s.at)
            default:
                r.diagnostics.error(s.at, "security.homeMode must be \"0700\" or \"0750\", not '\(Diagnostic.printable(s.value))'",
                                    hint: "homes readable by others let every user read every other user's files")
            }
        }
        if let s = r.string(f["umask"], "security.umask", maxLength: 8) {
            switch s.value {
            case "027", "0027": sec.umask = Located(0o027, at: s.at)
            case "077", "0077": sec.umask = Located(0o077, at: s.at)
            default:
                r.diagnostics.error(s.at, "security.umask must be \"027\" or \"077\", not '\(Diagnostic.printable(s.value))'")
            }
        }
        if let u = f["updates"], let uf = r.fields(u, "security.updates", allowed: SpecKeys.updates) {
            if let v = r.bool(uf["securitySuite"], "security.updates.securitySuite") { sec.updates.securitySuite = v }
            if let v = r.bool(uf["automatic"], "security.updates.automatic") { sec.updates.automatic = v }
            if let v = r.string(uf["securityMirror"], "security.updates.securityMirror", maxLength: 256) { sec.updates.securityMirror = v }
        }
        if let b = f["bruteForce"], let bf = r.fields(b, "security.bruteForce", allowed: SpecKeys.bruteForce) {
            if let v = r.bool(bf["enabled"], "security.bruteForce.enabled") { sec.bruteForce.enabled = v }
            if let v = r.int(bf["maxRetry"], "security.bruteForce.maxRetry", range: 2...100) { sec.bruteForce.maxRetry = v }
            if let v = r.duration(bf["findTime"], "security.bruteForce.findTime", max: 7 * 86400) { sec.bruteForce.findTimeSeconds = v }
            if let v = r.duration(bf["banTime"], "security.bruteForce.banTime", max: 365 * 86400) { sec.bruteForce.banTimeSeconds = v }
        }
        return sec
    }

    mutating func decodeProject(_ n: YAMLNode, _ path: String) -> Project? {
        guard let f = r.fields(n, path, allowed: SpecKeys.project, required: ["name", "gid", "members"]),
              let name = r.string(f["name"], "\(path).name", maxLength: 32),
              let gid = r.int(f["gid"], "project '\(name.value)' gid", range: 0...4_294_967_294) else { return nil }
        let p = "project '\(name.value)'"
        return Project(name: name, gid: gid, members: r.strings(f["members"], "\(p) members", maxLength: 64),
                       path: r.string(f["path"], "\(p) path", maxLength: 1024) ?? Located(Project.defaultPath(name.value), at: n.location),
                       location: n.location)
    }

    mutating func decodeGPUStack(_ n: YAMLNode?, fallback: SourceLocation) -> GPUStack {
        var g = GPUStack.defaults(at: fallback)
        guard let n, let f = r.fields(n, "gpu", allowed: SpecKeys.gpu) else { return g }
        if let v = r.string(f["driver"], "gpu.driver", maxLength: 16) { g.driver = v; g.driverGiven = true }
        if let v = r.oneOf(f["source"], "gpu.source", GPUStack.Source.self) { g.source = v }
        if let v = r.bool(f["containers"], "gpu.containers") { g.containers = v }
        if let v = r.string(f["mirror"], "gpu.mirror", maxLength: 256) { g.mirror = v }
        return g
    }
}
