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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let out = logFile ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        CommandRunner.resetSignals(&attr, extraFlags: Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var p: pid_t = 0
        let rc = posix_spawn(&p, path, &actions, &attr, argv, envp)
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
