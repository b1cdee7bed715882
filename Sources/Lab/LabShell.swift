import HostSystem
import Foundation

/// The lab's one door to the system: every `ip`, `mount`, `systemd-nspawn`, `nsenter` goes
/// through here, so the plan can be checked without root (a recording shell) and the
/// failures carry the command that failed.
public protocol LabShell: Sendable {
    func run(_ argv: [String], timeout: Duration) throws -> CommandRunner.Output
}

public struct LabError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension LabShell {
    /// Runs and throws with the command's own message when it fails.
    @discardableResult
    public func must(_ argv: [String], timeout: Duration = .seconds(60)) throws -> String {
        let r = try run(argv, timeout: timeout)
        guard r.succeeded else {
            let why = r.timedOut ? "timed out" : (r.stderr.isEmpty ? r.stdout : r.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            throw LabError("`\(argv.joined(separator: " "))` failed: \(why)")
        }
        return r.stdout
    }
}

/// Runs real commands, found on PATH (then in the sbin folders root's tools live in).
public struct SystemShell: LabShell {
    public init() {}

    public func run(_ argv: [String], timeout: Duration) throws -> CommandRunner.Output {
        guard let first = argv.first else { throw LabError("empty command") }
        guard let exe = CommandRunner.which(first) else { throw LabError("\(first) not found (apt-get install \(Self.package(first)))") }
        return try CommandRunner.run(exe, Array(argv.dropFirst()), timeout: timeout)
    }

    static func package(_ tool: String) -> String {
        switch tool {
        case "systemd-nspawn": return "systemd-container"
        case "debootstrap": return "debootstrap"
        case "ip": return "iproute2"
        case "ssh-keygen", "ssh": return "openssh-client"
        default: return tool
        }
    }
}
