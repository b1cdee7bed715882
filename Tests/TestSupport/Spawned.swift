import HostSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped by us (not by Foundation's Process,
/// whose waitUntilExit was seen to hang here with many children). `stop()` sends SIGTERM,
/// waits up to 3 s, then SIGKILL; it never blocks forever.
public final class Spawned: @unchecked Sendable {
    public let pid: pid_t
    /// Read end of the child's stdout, when captured.
    public let stdoutFD: Int32?
    private var reaped = false

    public init(_ path: String, _ args: [String], environment: [String: String]? = nil, captureStdout: Bool = false) throws {
        var fds: [Int32] = [-1, -1]
        if captureStdout {
            guard pipe(&fds) == 0 else { throw LoopbackHTTP.Failure(description: "pipe failed") }
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }   // not inherited by other threads' children
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if captureStdout {
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var envDict = ProcessInfo.processInfo.environment
        for (k, v) in environment ?? [:] { envDict[k] = v }
        let envp = envDict.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var p: pid_t = 0
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        CommandRunner.resetSignals(&attr)
        let rc = posix_spawn(&p, path, &actions, &attr, argv, envp)
        if captureStdout { close(fds[1]) }
        guard rc == 0 else {
            if captureStdout { close(fds[0]) }
            throw LoopbackHTTP.Failure(description: "cannot start \(path): \(rc)")
        }
        pid = p
        stdoutFD = captureStdout ? fds[0] : nil
    }

    public var isRunning: Bool {
        if reaped { return false }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid || (r < 0 && errno == ECHILD) { reaped = true; return false }
        return true
    }

    /// Reads stdout until `pattern` matches (bounded); returns the text read.
    public func readUntil(_ pattern: String, seconds: Double) -> String? {
        guard let fd = stdoutFD else { return nil }
        var text = ""
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 100) > 0 {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { return text.range(of: pattern, options: .regularExpression) != nil ? text : nil }
                text += String(decoding: buf[0..<n], as: UTF8.self)
                if text.range(of: pattern, options: .regularExpression) != nil { return text }
            } else if !isRunning { return nil }
        }
        return nil
    }

    /// Reads stdout to its end (bounded by `seconds`).
    public func readToEnd(seconds: Double) -> String {
        guard let fd = stdoutFD else { return "" }
        var text = ""
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            text += String(decoding: buf[0..<n], as: UTF8.self)
        }
        return text
    }

    /// Waits for the exit (bounded); its status, or nil if it did not exit in time.
    public func exitStatus(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                reaped = true
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            if r < 0 { return nil }
            usleep(20_000)
        }
        return nil
    }

    public func stop() {
        defer { if let fd = stdoutFD { close(fd) } }
        guard !reaped else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        var status: Int32 = 0
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            // -1/ECHILD: someone else (Foundation's SIGCHLD handler) already reaped it.
            if r == pid || (r < 0 && errno == ECHILD) { reaped = true; return }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        reaped = true
    }
}

