import NodeReport
import Spec

/// An agent the dashboard reads: a GPU node of the spec and where its agent listens.
public struct AgentTarget: Sendable, Equatable {
    public var name: String
    /// "ADDRESS:PORT", no scheme.
    public var endpoint: String
    public var expectedGPUs: Int?
    public var tags: [String]

    public init(name: String, endpoint: String, expectedGPUs: Int? = nil, tags: [String] = []) {
        self.name = name; self.endpoint = endpoint; self.expectedGPUs = expectedGPUs; self.tags = tags
    }

    /// The spec's GPU nodes (role compute, or `gpus:` set), in spec order, each at its address
    /// on a network it shares with the dashboard host (internal first), port `monitoring.agentPort`.
    /// `overrides` (name → "host:port") replace addresses, e.g. for the demo on loopback.
    public static func from(_ spec: ClusterSpec, overrides: [String: String] = [:]) -> [AgentTarget] {
        let viewer = spec.hosts(withRole: .dashboard).first ?? spec.bastion
        let port = spec.monitoring.agentPort.value
        return spec.hosts.filter { $0.has(.compute) || $0.gpus != nil }.compactMap { h in
            let name = h.name.value
            let endpoint: String
            if let o = overrides[name] {
                endpoint = o
            } else {
                guard let a = spec.address(of: h, seenFrom: viewer) else { return nil }
                endpoint = "\(a):\(port)"
            }
            return AgentTarget(name: name, endpoint: endpoint, expectedGPUs: h.gpus?.value, tags: h.tags)
        }
    }
}

extension AgentTarget {
    /// `NAME=HOST:PORT` from the command line; nil with a reason when malformed.
    public static func parseOverride(_ s: String) -> Result<(name: String, endpoint: String), OverrideError> {
        guard let eq = s.firstIndex(of: "=") else { return .failure(OverrideError("'\(s)': expected NAME=HOST:PORT")) }
        let name = String(s[..<eq]), endpoint = String(s[s.index(after: eq)...])
        guard !name.isEmpty, name.utf8.count <= 253 else { return .failure(OverrideError("'\(s)': empty or too long node name")) }
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
              (1...65535).contains(port) else { return .failure(OverrideError("'\(s)': expected HOST:PORT with a port 1…65535")) }
        let host = endpoint[..<colon]
        guard !host.isEmpty, host.utf8.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.[]:".contains($0)) }) else {
            return .failure(OverrideError("'\(s)': bad host"))
        }
        return .success((name, endpoint))
    }

    public struct OverrideError: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ d: String) { description = d }
    }
}
