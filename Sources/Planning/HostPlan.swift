import Spec

/// What each host will get from the spec, in a form people read (`plan`) and programs
/// consume (`plan --json`). Computed by a pure function; `render` builds on the same facts.
public struct ClusterPlan: Codable, Sendable, Equatable {
    public var cluster: String
    /// `cluster.os` ("debian-12"); a host on another release says its own.
    public var os: String
    /// Every user gets an account (same uid/gid) on every host.
    public var users: [UserPlan]
    /// Users with passwordless sudo on every host.
    public var admins: [String]
    public var hosts: [HostPlan]
}

public struct UserPlan: Codable, Sendable, Equatable {
    public var name: String
    public var uid: Int
    public var gid: Int
    public var keys: String
}

public struct HostPlan: Codable, Sendable, Equatable {
    public var name: String
    /// The release the host runs ("debian-13").
    public var os: String
    public var addresses: [NamedAddress]
    public var roles: [String]
    public var gpus: Int?
    public var tags: [String]
    public var serviceAccounts: [ServiceAccountPlan]
    /// The Ansible roles `render` applies to the host, in play order.
    public var applies: [String]
    /// Daemons, timers and stacks the host runs, each with the role that installs it.
    public var runs: [Daemon]
    /// Every port it accepts and from where; everything else is refused (default deny).
    public var accepts: [PortPlan]
    public var logs: String
    public var backup: String?
    public var nfs: String?
}

public struct NamedAddress: Codable, Sendable, Equatable {
    public var network: String
    public var address: String
}

public struct ServiceAccountPlan: Codable, Sendable, Equatable {
    public var name: String
    public var uid: Int
    public var sudo: [String]
}

public struct PortPlan: Codable, Sendable, Equatable {
    public var port: Int
    public var proto: String
    public var service: String
    public var from: [PortSource]
    /// Sources refused before the allow rules (the bastion, on the backup server).
    public var except: [PortSource]
}

/// A whole network (`cidr`) or one host (`address`).
public struct PortSource: Codable, Sendable, Equatable, Hashable, Comparable {
    public var name: String
    public var cidr: String?
    public var address: String?
    public var label: String { "\(name) (\(cidr ?? address ?? "?"))" }
    public static func < (a: PortSource, b: PortSource) -> Bool { a.label < b.label }

    init(_ s: AcceptRule.Source) {
        switch s {
        case .network(let n, let c): self.init(name: n, cidr: "\(c)", address: nil)
        case .host(let n, let a): self.init(name: n, cidr: nil, address: "\(a)")
        }
    }
    public init(name: String, cidr: String?, address: String?) {
        self.name = name; self.cidr = cidr; self.address = address
    }
}
