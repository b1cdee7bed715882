import Foundation
import HostSystem

/// Two network namespaces joined by a veth pair, made by the test and gone on `remove()`:
/// a scanner at 192.0.2.1 and a target at 192.0.2.2 (TEST-NET-1). Neither has any other
/// interface or route, so nothing sent in them can leave the machine. Needs root.
public final class NamespacePair: @unchecked Sendable {
    public let scanner: String
    public let target: String
    public let scannerAddress = "192.0.2.1"
    public let targetAddress = "192.0.2.2"

    public struct Unavailable: Error, CustomStringConvertible { public let description: String }

    public init() throws {
        guard getuid() == 0 else { throw Unavailable(description: "network namespaces need root") }
        let id = String(UUID().uuidString.prefix(6)).lowercased()
        scanner = "gca-s-\(id)"; target = "gca-t-\(id)"
        let ip = try Self.ip()
        let steps: [[String]] = [
            ["netns", "add", scanner], ["netns", "add", target],
            ["link", "add", "gcs\(id)", "type", "veth", "peer", "name", "gct\(id)"],
            ["link", "set", "gcs\(id)", "netns", scanner], ["link", "set", "gct\(id)", "netns", target],
            ["-n", scanner, "addr", "add", "\(scannerAddress)/24", "dev", "gcs\(id)"],
            ["-n", target, "addr", "add", "\(targetAddress)/24", "dev", "gct\(id)"],
            ["-n", scanner, "link", "set", "gcs\(id)", "up"], ["-n", target, "link", "set", "gct\(id)", "up"],
            ["-n", scanner, "link", "set", "lo", "up"], ["-n", target, "link", "set", "lo", "up"],
        ]
        for s in steps {
            let r = try CommandRunner.run(ip, s, timeout: .seconds(10))
            guard r.succeeded else { remove(); throw Unavailable(description: "ip \(s.joined(separator: " ")): \(r.stderr)") }
        }
    }

    static func ip() throws -> String {
        guard let ip = CommandRunner.which("ip") else { throw Unavailable(description: "no ip (iproute2)") }
        return ip
    }

    /// Runs a command inside one of the namespaces.
    public func run(in ns: String, _ command: [String], timeout: Double = 60) throws -> CommandRunner.Output {
        try CommandRunner.run(try Self.ip(), ["netns", "exec", ns] + command, timeout: .milliseconds(Int(timeout * 1000)))
    }

    /// Starts a long-running process inside a namespace.
    public func spawn(in ns: String, _ command: [String], output: ChildProcess.Output = .discard) throws -> ChildProcess {
        try ChildProcess(try Self.ip(), ["netns", "exec", ns] + command, environment: ProcessInfo.processInfo.environment, output: output)
    }

    public func remove() {
        guard let ip = try? Self.ip() else { return }
        for ns in [scanner, target] { _ = try? CommandRunner.run(ip, ["netns", "delete", ns], timeout: .seconds(10)) }
    }

    deinit { remove() }
}
