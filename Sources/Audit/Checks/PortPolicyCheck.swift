import Probe
import Spec

/// Every port the spec names (and the usual suspects, or all 65,535 with `--ports all`) on
/// every host address this vantage reaches, TCP and UDP, against the services policy. Ports
/// shut as expected are summed up per address; anything else is a finding of its own.
struct PortPolicyCheck: AuditCheck {
    let name = "ports"

    func run(_ context: AuditContext) async -> [Finding] {
        let plan = PortExpectations.plan(context.spec, from: context.vantage, hosts: context.hosts, allTCP: context.allTCP)
        var out: [Finding] = []
        var addresses: [(host: String, address: String)] = []
        for e in plan where !addresses.contains(where: { $0 == (e.host, e.address) }) { addresses.append((e.host, e.address)) }
        for (host, address) in addresses {
            let mine = plan.filter { $0.address == address && $0.host == host }
            // Ports that should answer go first: their round trips set the timeout for the rest.
            let tcp = mine.filter { $0.proto == .tcp }.sorted { ($0.expect == .shut ? 1 : 0, $0.port) < ($1.expect == .shut ? 1 : 0, $1.port) }
            let udp = mine.filter { $0.proto == .udp }
            context.progress("ports: \(host) \(address): \(tcp.count) TCP, \(udp.count) UDP")
            var states: [AcceptRule.Proto: [Int: PortState]] = [:]
            do {
                states[.tcp] = try context.probing.tcp(address, ports: tcp.map(\.port)) { done, total in
                    if total > 1000 { context.progress("ports: \(host) \(address): \(done)/\(total) TCP") }
                }
            } catch {
                out.append(Finding(host: host, check: name, subject: "TCP on \(address)", status: .fail, expected: "a scan", found: "\(error)",
                                   fix: "run the audit where it can open sockets"))
                continue
            }
            states[.udp] = context.probing.udp(address, ports: udp.map(\.port))
            var shutOK: [AcceptRule.Proto: Int] = [:]
            for e in mine {
                guard let state = states[e.proto]?[e.port] else { continue }
                if let f = judge(e, state, vantage: "\(context.vantage)") { out.append(f) } else { shutOK[e.proto, default: 0] += 1 }
            }
            for proto in [AcceptRule.Proto.tcp, .udp] where shutOK[proto, default: 0] > 0 {
                out.append(Finding(host: host, check: name, subject: "\(proto.rawValue) on \(address)", status: .pass,
                                   expected: "no answer where the spec admits nobody", found: "\(shutOK[proto, default: 0]) ports shut"))
            }
        }
        return out
    }

    /// A finding for one port, or nil for a port that is shut as expected (summed up instead).
    func judge(_ e: PortExpectation, _ state: PortState, vantage: String) -> Finding? {
        let what = e.service.map { "\(e.label) (\($0))" } ?? e.label
        func finding(_ status: Finding.Status, _ expected: String, _ fix: String? = nil) -> Finding {
            Finding(host: e.host, check: name, subject: what, status: status, expected: expected, found: state.rawValue, fix: fix)
        }
        let admitted = e.admitted.isEmpty ? "nobody" : e.admitted.joined(separator: ", ")
        switch e.expect {
        case .shut:
            guard state == .open else { return e.service == nil ? nil : finding(.pass, "shut from \(vantage) (the spec admits \(admitted))") }
            return finding(.fail, "shut from \(vantage): the spec admits \(admitted)",
                           e.service == nil
                            ? "nothing in cluster.yaml uses this port: stop what listens (`ss -ltnup` on \(e.host)) or add a service with `from:`"
                            : "the firewall lets \(vantage) in: re-apply (`gpucluster apply`), and look for rules added by hand or by Docker (`iptables -S`)")
        case .open:
            return state == .open ? finding(.pass, "open from \(vantage)")
                : finding(.fail, "open from \(vantage)", "sshd must run and the firewall admit \(admitted): `systemctl status ssh`, `ufw status` on \(e.host)")
        case .allowed:
            switch state {
            case .open: return finding(.pass, "admitted from \(vantage)")
            case .closed, .openFiltered: return finding(.pass, "admitted from \(vantage) (may be stopped)")
            case .filtered:
                return finding(.fail, "admitted from \(vantage) (\(admitted))",
                               "the firewall drops a port the spec opens here: re-apply, then `ufw status numbered` on \(e.host)")
            }
        }
    }
}
