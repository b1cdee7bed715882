import Foundation
import HostSystem

/// The servers and tools tests start are the system layer's `ChildProcess` (own process group,
/// bounded reads and stops); this is only the tests' spelling of it.
public typealias Spawned = ChildProcess

extension ChildProcess {
    /// `environment` is added to this process's environment; stdout is piped when captured.
    public convenience init(_ path: String, _ args: [String], environment: [String: String]? = nil, captureStdout: Bool = false) throws {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment ?? [:] { env[k] = v }
        try self.init(path, args, environment: env, output: captureStdout ? .pipe : .discard)
    }
}
