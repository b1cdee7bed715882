#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// A long-running child (the demo's agents, the servers tests start): its own process group,
/// default signals, stdin from /dev/null, stdout to /dev/null, a log file or a pipe the caller
/// reads with deadlines. `stop()` sends SIGTERM to the group, waits up to 3 s, then SIGKILL;
/// it never blocks forever. Nothing here waits without a bound.
public final class ChildProcess: Sendable {
    public enum Output: Sendable {
        case discard
        /// stdout and stderr appended to this file.
        case logFile(String)
        /// stdout to a pipe (`readUntil`, `readToEnd`); stderr discarded.
        case pipe
    }

    public let pid: pid_t
    /// Read end of the child's stdout, with `.pipe`.
    public let stdoutFD: Int32?
    private let reaped = Atomic<Bool>(false)
    private let exitCode = Atomic<Int32>(-1)
    private let closed = Atomic<Bool>(false)

    public init(_ path: String, _ arguments: [String], environment: [String: String], output: Output) throws(CommandRunner.Failure) {
        var fds: [Int32] = [-1, -1]
        if case .pipe = output {
            guard pipe(&fds) == 0 else { throw .cannotStart(path, errno) }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }   // not inherited by other threads' children
        }
        let (p, rc) = CommandRunner.spawnInGroup(path, arguments, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            switch output {
            case .discard:
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .logFile(let file):
                posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .pipe:
                posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
                posix_spawn_file_actions_addclose(&actions, fds[0])
                posix_spawn_file_actions_addclose(&actions, fds[1])
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
        }
        if case .pipe = output { close(fds[1]) }
        guard rc == 0 else {
            if case .pipe = output { close(fds[0]) }
            throw .cannotStart(path, rc)
        }
        pid = p
        if case .pipe = output { stdoutFD = fds[0] } else { stdoutFD = nil }
    }

    /// The old form: output to a log file, or discarded.
    public convenience init(_ path: String, _ arguments: [String], environment: [String: String], logFile: String?) throws(CommandRunner.Failure) {
        try self.init(path, arguments, environment: environment, output: logFile.map { .logFile($0) } ?? .discard)
    }

    /// false once the child has exited (reaps it).
    public var isRunning: Bool { poll() == nil }

    /// The exit status once the child has exited (128 + signal when killed), else nil. Reaps it.
    private func poll() -> Int32? {
        if reaped.load(ordering: .acquiring) { return exitCode.load(ordering: .relaxed) }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid {
            exitCode.store((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), ordering: .relaxed)
            reaped.store(true, ordering: .releasing)
            return exitCode.load(ordering: .relaxed)
        }
        // Someone else (Foundation's SIGCHLD handling) reaped it: gone, status unknown.
        if r == -1 && errno == ECHILD { reaped.store(true, ordering: .releasing); return -1 }
        return nil
    }

    /// Waits for the exit (bounded); its status, or nil if it did not exit in time.
    public func exitStatus(seconds: Double) -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if let s = poll() { return s }
            usleep(20_000)
        }
        return poll()
    }

    /// Reads stdout until `pattern` (a regular expression) matches, at most `seconds`; the text
    /// read, or nil on timeout or when the child ends first.
    public func readUntil(_ pattern: String, seconds: Double) -> String? {
        guard let regex = try? Regex(pattern) else { return nil }
        var text = ""
        let found = read(seconds: seconds) { chunk in
            text += chunk
            return text.contains(regex)
        }
        return found ? text : nil
    }

    /// Reads stdout to its end, at most `seconds`.
    public func readToEnd(seconds: Double) -> String {
        var text = ""
        _ = read(seconds: seconds) { text += $0; return false }
        return text
    }

    /// Feeds chunks of stdout to `done` until it says so (true), EOF or the deadline.
    private func read(seconds: Double, _ done: (String) -> Bool) -> Bool {
        guard let fd = stdoutFD, !closed.load(ordering: .relaxed) else { return false }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var buf = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&pfd, 1, 100) > 0 else { continue }
            let n = Glibc.read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            if done(String(decoding: buf[0..<n], as: UTF8.self)) { return true }
        }
        return false
    }

    public func stop(signal sig: Int32 = SIGTERM) {
        defer { closeOutput() }
        guard isRunning else { return }
        kill(-pid, sig)
        for _ in 0..<300 {
            if !isRunning { return }
            usleep(10_000)
        }
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        if waitpid(pid, &status, 0) == pid || errno == ECHILD { reaped.store(true, ordering: .releasing) }
    }

    private func closeOutput() {
        if let fd = stdoutFD, !closed.exchange(true, ordering: .relaxed) { close(fd) }
    }

    deinit { stop() }
}
