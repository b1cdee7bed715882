#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs a program with a hard deadline. The child gets its own process group, so a hung
/// tool *and everything it started* is killed at the deadline, and output is read as it
/// comes (a chatty child never blocks on a full pipe). Used for nvidia-smi (which can hang)
/// and smartctl.
public enum CommandRunner {
    /// The executable `name` stands for: a path as given, else the first match on PATH (a
    /// usual PATH when unset), then in `fallback` folders, then the standard bin and sbin
    /// folders (root's tools when PATH is a user's: systemd-nspawn, ip, smartctl).
    public static func which(_ name: String, fallback: [String] = []) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let standard = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for dir in path.split(separator: ":").map(String.init) + fallback + standard {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Process groups of children still running, so a shutting-down agent can end them.
    static let active = ActiveGroups()

    /// Sets a spawn's signal mask empty and common signals to their defaults, so children do
    /// not inherit a server's blocked or ignored signals (a `sleep` ignoring SIGTERM never stops).
    public static func resetSignals(_ attr: inout posix_spawnattr_t, extraFlags: Int16 = 0) {
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | extraFlags)
    }

    /// posix_spawn in a new process group with default signals; `files` sets up the child's
    /// file descriptors. Shared by `run`, `streamLines` and `ChildProcess`.
    static func spawnInGroup(_ path: String, _ arguments: [String], environment: [String: String],
                             files: (inout posix_spawn_file_actions_t) -> Void) -> (pid: pid_t, rc: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        files(&actions)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Own process group (killed as a whole), and default signals: the agent's server
        // blocks some, and a child must not inherit that.
        resetSignals(&attr, extraFlags: Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, path, &actions, &attr, argv, envp)
        return (pid, rc)
    }

    /// Kills every child this process started that is still running (on shutdown).
    public static func terminateAll() { active.killAll() }

    public struct Output: Sendable {
        public var exitCode: Int32?
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
        public var succeeded: Bool { exitCode == 0 && !timedOut }
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case cannotStart(String, Int32)
        public var description: String {
            switch self { case .cannotStart(let p, let e): return "cannot run \(p): \(String(cString: strerror(e)))" }
        }
    }

    /// - Parameters: maxOutputBytes caps what is kept from each stream (the rest is drained).
    public static func run(_ path: String, _ arguments: [String], timeout: Duration,
                           environment: [String: String]? = nil, currentDirectory: String? = nil, maxOutputBytes: Int = 8 << 20) throws -> Output {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        // Close-on-exec: a child another thread spawns meanwhile must not inherit our pipe
        // ends (it would hold them open and we would wait for its EOF). dup2 in the child
        // clears the flag on fds 1 and 2.
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw Failure.cannotStart(path, errno) }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // In another folder: through sh (cd, then exec), as posix_spawn_file_actions_addchdir_np
        // is not visible to Swift here; the folder and arguments stay arguments, never code.
        let (exe, argv) = currentDirectory.map { ("/bin/sh", ["-c", "cd -- \"$0\" && exec \"$@\"", $0, path] + arguments) } ?? (path, arguments)
        let (pid, rc) = spawnInGroup(exe, argv, environment: environment ?? ProcessInfo.processInfo.environment) { actions in
            posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        }
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else { close(outPipe[0]); close(errPipe[0]); throw Failure.cannotStart(path, rc) }

        active.insert(pid)
        defer { active.remove(pid) }
        let deadline = ContinuousClock.now + timeout
        var out = [UInt8](), err = [UInt8]()
        var open: [(fd: Int32, isOut: Bool)] = [(outPipe[0], true), (errPipe[0], false)]
        var timedOut = false
        var buf = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { timedOut = true; break }
            let ms = Int32(min(max(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000, 1), 1000))
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let n = poll(&fds, nfds_t(fds.count), ms)
            if n < 0 && errno != EINTR { break }
            var closed: [Int32] = []
            for f in fds where f.revents != 0 {
                let got = read(f.fd, &buf, buf.count)
                // A signal (SIGCHLD when a child exits) can interrupt the read: that is not
                // the end of the output, and treating it so lost a command's last lines.
                if got < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if got <= 0 { closed.append(f.fd); continue }
                let isOut = open.first { $0.fd == f.fd }?.isOut ?? true
                if isOut { if out.count < maxOutputBytes { out += buf[0..<got] } } else if err.count < maxOutputBytes { err += buf[0..<got] }
            }
            for c in closed { close(c); open.removeAll { $0.fd == c } }
        }
        if timedOut {
            kill(-pid, SIGKILL)
            for f in open { close(f.fd) }
        }
        var status: Int32 = 0
        // The pipes are closed; the child has exited or is being killed: reap it.
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return Output(exitCode: exited ? (status >> 8) & 0xff : nil, signal: exited ? nil : status & 0x7f,
                      stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
                      timedOut: timedOut)
    }
}

/// A locked set of child process groups.
final class ActiveGroups: Sendable {
    private let groups = Mutex(Set<pid_t>())
    func insert(_ p: pid_t) { groups.withLock { _ = $0.insert(p) } }
    func remove(_ p: pid_t) { groups.withLock { _ = $0.remove(p) } }
    func killAll() {
        for p in groups.withLock({ $0 }) { kill(-p, SIGKILL) }
    }
}

extension CommandRunner {
    /// On these signals, kill every child group still running, then exit 128 + signal: a
    /// child in its own process group (rsync, ansible) is not reached by a terminal's Ctrl-C.
    public static func endChildrenOnSignals(_ signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        for sig in signals {
            signal(sig) { s in
                CommandRunner.terminateAll()
                _exit(128 + s)
            }
        }
    }
}
