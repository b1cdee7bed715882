import Spec

/// A test message through rsyslog: logged on every host, it must arrive in that host's own
/// file on the log sink (the sink names the sender by its address, so this also proves the
/// sender list).
struct LogForwardingCheck: AuditCheck {
    let name = "log-forwarding"

    func run(_ context: AuditContext) async -> [Finding] {
        guard let sink = context.spec.hosts(withRole: .logSink).first,
              let sinkAddress = context.loginTargets().first(where: { $0.host.name.value == sink.name.value })?.address else { return [] }
        let nonce = (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined()
        var sent: [(Host, Bool, String)] = []
        for (host, address) in context.loginTargets() where host.name.value != sink.name.value {
            let r = context.probing.shell(address, "logger -t gpucluster-audit 'gpucluster audit \(nonce)'")
            sent.append((host, r.status == 0, r.stderr))
        }
        var out: [Finding] = []
        // TCP forwarding is quick; UDP may lose a message, so a second look before failing.
        for attempt in 0..<2 {
            try? await Task.sleep(for: .seconds(attempt == 0 ? 2 : 5))
            out = []
            for (host, ok, error) in sent {
                let subject = "a test message to \(sink.name.value)"
                guard ok else {
                    out.append(Finding(host: host.name.value, check: name, subject: subject, status: .fail, expected: "logged",
                                       found: error.trimmingCharacters(in: .whitespacesAndNewlines), fix: "run the audit with admin access (--ssh-config)"))
                    continue
                }
                let file = "/var/log/hosts/\(host.name.value)/other.log"
                let r = context.probing.shell(sinkAddress, "sudo -n grep -c 'gpucluster audit \(nonce)' \(file)")
                let arrived = (Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0
                out.append(Finding(host: host.name.value, check: name, subject: subject, status: arrived ? .pass : .fail,
                                   expected: "in \(file) on \(sink.name.value)", found: arrived ? "arrived" : "not there",
                                   fix: arrived ? nil : "`systemctl status rsyslog` on both; the forwarding queue (`/var/spool/rsyslog`); the sink's firewall and sender list"))
            }
            if out.allSatisfy({ $0.status == .pass }) { break }
        }
        return out
    }
}
