#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A long-running child (the demo's agents): its own process group, default signals,
/// stdin/stdout/stderr to /dev/null or a log file. `stop()` sends SIGTERM to the group,
/// waits up to 3 s, then SIGKILL; it never blocks forever.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    private let reaped = Atomic<Bool>(false)

    public init(_ path: String, _ arguments: [String], environment: [String: String], logFile: String? = nil) throws(CommandRunner.Failure) {
        let out = logFile ?? "/dev/null"
        let (p, rc) = CommandRunner.spawnInGroup(path, arguments, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        guard rc == 0 else { throw .cannotStart(path, rc) }
        pid = p
    }

    /// false once the child has exited (reaps it).
    public var isRunning: Bool {
        if reaped.load(ordering: .relaxed) { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r == -1 && errno == ECHILD) { reaped.store(true, ordering: .relaxed); return false }
        return true
    }

    public func stop(signal sig: Int32 = SIGTERM) {
        guard isRunning else { return }
        kill(-pid, sig)
        for _ in 0..<300 {
            if !isRunning { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid || errno == ECHILD { reaped.store(true, ordering: .relaxed) }
    }

    deinit { stop() }
}
