import Foundation
import HostSystem
import Testing
import TestSupport

/// The audit's probes against real listeners and real iptables rules in a target namespace,
/// classified as nmap classifies them, and compared with nmap on the same ports in the same run.
@Suite("Port probes: open, closed, filtered, as nmap says", .serialized)
struct PortProbeTests {
    /// nmap's verdicts from its XML output (`-oX -`): port → state.
    static func nmapStates(_ xml: String, proto: String) -> [Int: String] {
        var out: [Int: String] = [:]
        let pattern = #"<port protocol="\#(proto)" portid="([0-9]+)"><state state="([a-z|]+)""#
        guard let re = try? NSRegularExpression(pattern: pattern) else { return out }
        for m in re.matches(in: xml, range: NSRange(xml.startIndex..., in: xml)) {
            if let p = Range(m.range(at: 1), in: xml), let s = Range(m.range(at: 2), in: xml), let port = Int(xml[p]) { out[port] = String(xml[s]) }
        }
        return out
    }

    struct Scan: Decodable { var tcp: [String: String]; var udp: [String: String]; var seconds: Double }

    static func scan(_ pair: NamespacePair, tcp: String, udp: String) throws -> Scan {
        let r = try pair.run(in: pair.scanner, [Binary.gpucluster, "audit", "scan", pair.targetAddress, "--tcp", tcp, "--udp", udp, "--json"], timeout: 120)
        try #require(r.succeeded, "audit scan: \(r.stderr)")
        return try JSONDecoder().decode(Scan.self, from: Data(r.stdout.utf8))
    }

    @Test("listeners, RST, DROP, ICMP prohibited and port unreachable: the same verdicts as nmap -sT and -sU")
    func classifiesAsNmap() throws {
        guard getuid() == 0 else { print("skipped: network namespaces and iptables need root"); return }
        guard let nmap = Tools.find("nmap"), let iptables = Tools.find("iptables"), let python = Tools.find("python3") else {
            Issue.record("nmap, iptables and python3 are needed (scripts/test installs them)"); return
        }
        let pair = try NamespacePair()
        defer { pair.remove() }
        let listeners = try pair.spawn(in: pair.target, [python, Repo.path("Tests/audit/listen.py"), "1001,1003,1005,1007", "2001", "2004"], output: .pipe)
        defer { listeners.stop() }
        try #require(listeners.readUntil("ready", seconds: 20) != nil, "listeners did not start")
        let rules: [[String]] = [
            ["-A", "INPUT", "-p", "tcp", "--dport", "1003", "-j", "DROP"],                                   // a listener behind DROP
            ["-A", "INPUT", "-p", "tcp", "--dport", "1004", "-j", "REJECT", "--reject-with", "tcp-reset"],
            ["-A", "INPUT", "-p", "tcp", "--dport", "1005", "-j", "REJECT", "--reject-with", "icmp-admin-prohibited"],
            ["-A", "INPUT", "-p", "tcp", "--dport", "1006", "-j", "REJECT", "--reject-with", "icmp-port-unreachable"],
            ["-A", "INPUT", "-p", "tcp", "--dport", "1008", "-j", "DROP"],
            ["-A", "INPUT", "-p", "udp", "--dport", "2003", "-j", "DROP"],
        ]
        for r in rules {
            let out = try pair.run(in: pair.target, [iptables] + r)
            try #require(out.succeeded, "iptables \(r): \(out.stderr)")
        }
        let expectedTCP = [1001: "open", 1002: "closed", 1003: "filtered", 1004: "closed", 1005: "filtered", 1006: "closed",
                           1007: "open", 1008: "filtered"]
        let expectedUDP = [2001: "open", 2002: "closed", 2003: "open|filtered", 2004: "open|filtered"]

        let ours = try Self.scan(pair, tcp: "1001-1008", udp: "2001-2004")
        let oursTCP = Dictionary(uniqueKeysWithValues: ours.tcp.compactMap { k, v in Int(k).map { ($0, v) } })
        let oursUDP = Dictionary(uniqueKeysWithValues: ours.udp.compactMap { k, v in Int(k).map { ($0, v) } })
        #expect(oursTCP == expectedTCP, "TCP: \(oursTCP.sorted { $0.key < $1.key })")
        #expect(oursUDP == expectedUDP, "UDP: \(oursUDP.sorted { $0.key < $1.key })")

        let tcpXML = try pair.run(in: pair.scanner, [nmap, "-sT", "-Pn", "-n", "-p", "1001-1008", "-oX", "-", pair.targetAddress], timeout: 120)
        let udpXML = try pair.run(in: pair.scanner, [nmap, "-sU", "-Pn", "-n", "-p", "2001-2004", "-oX", "-", pair.targetAddress], timeout: 120)
        try #require(tcpXML.succeeded && udpXML.succeeded, "nmap: \(tcpXML.stderr) \(udpXML.stderr)")
        let nmapTCP = Self.nmapStates(tcpXML.stdout, proto: "tcp"), nmapUDP = Self.nmapStates(udpXML.stdout, proto: "udp")
        #expect(nmapTCP == oursTCP, "nmap -sT says \(nmapTCP.sorted { $0.key < $1.key })")
        #expect(nmapUDP == oursUDP, "nmap -sU says \(nmapUDP.sorted { $0.key < $1.key })")
    }

    @Test("a default-deny host (DROP), every TCP port: the same open ports as nmap -sT -p- -T5, nothing else answers")
    func fullScanMatchesNmap() throws {
        guard getuid() == 0 else { print("skipped: network namespaces and iptables need root"); return }
        guard let nmap = Tools.find("nmap"), let iptables = Tools.find("iptables"), let python = Tools.find("python3") else {
            Issue.record("nmap, iptables and python3 are needed (scripts/test installs them)"); return
        }
        let pair = try NamespacePair()
        defer { pair.remove() }
        let open = [22, 8080, 40000, 65535]
        let listeners = try pair.spawn(in: pair.target, [python, Repo.path("Tests/audit/listen.py"), (open + [9999]).map(String.init).joined(separator: ","), "-", "-"], output: .pipe)
        defer { listeners.stop() }
        try #require(listeners.readUntil("ready", seconds: 20) != nil, "listeners did not start")
        // Default deny with DROP, as ufw does; 9999 listens but is not admitted.
        for r in [["-P", "INPUT", "DROP"], ["-A", "INPUT", "-i", "lo", "-j", "ACCEPT"],
                  ["-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]]
                + open.map({ ["-A", "INPUT", "-p", "tcp", "--dport", String($0), "-j", "ACCEPT"] }) {
            let out = try pair.run(in: pair.target, [iptables] + r)
            try #require(out.succeeded, "iptables \(r): \(out.stderr)")
        }
        let ours = try Self.scan(pair, tcp: "1-65535", udp: "")
        let oursOpen = ours.tcp.filter { $0.value == "open" }.compactMap { Int($0.key) }.sorted()
        #expect(ours.tcp.count == 65535)
        #expect(oursOpen == open, "open: \(oursOpen)")
        #expect(ours.tcp.filter { $0.value != "open" && $0.value != "filtered" }.isEmpty, "every other port filtered")
        let x = try pair.run(in: pair.scanner, [nmap, "-sT", "-Pn", "-n", "-T5", "-p-", "-oX", "-", pair.targetAddress], timeout: 600)
        try #require(x.succeeded, "nmap: \(x.stderr)")
        let nmapOpen = Self.nmapStates(x.stdout, proto: "tcp").filter { $0.value == "open" }.keys.sorted()
        #expect(nmapOpen == oursOpen, "nmap -T5 finds \(nmapOpen)")
        print("full TCP scan of a DROP host: ours \(String(format: "%.2f", ours.seconds)) s")
    }
}
