#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CommandRunner {
    /// Runs a long command (ansible-playbook) and hands each stdout line to `onLine` as it
    /// arrives; stderr goes to ours. No deadline: the caller's task cancellation (or Ctrl-C)
    /// ends it, and the whole process group goes with it. Returns the exit status.
    /// `mergeStderr` sends the command's stderr down the same pipe (rsync's errors, in order
    /// with its output).
    public static func streamLines(_ path: String, _ arguments: [String], environment: [String: String],
                                   mergeStderr: Bool = false, onLine: (Substring) -> Void) throws(Failure) -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .cannotStart(path, errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let (pid, rc) = spawnInGroup(path, arguments, environment: environment) { actions in
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
            if mergeStderr { posix_spawn_file_actions_adddup2(&actions, fds[1], 2) }
        }
        close(fds[1])
        guard rc == 0 else { close(fds[0]); throw .cannotStart(path, rc) }
        active.insert(pid)   // so that terminateAll() (a signal handler) can end it
        defer { active.remove(pid) }
        var pending: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buf[0..<n])
            while let nl = pending.firstIndex(of: 0x0A) {
                onLine(Substring(decoding: pending[..<nl], as: UTF8.self))
                pending.removeSubrange(...nl)
            }
            // A line longer than 64 MiB is not ansible's: drop it rather than grow forever.
            if pending.count > 64 << 20 { pending.removeAll() }
        }
        if !pending.isEmpty { onLine(Substring(decoding: pending, as: UTF8.self)) }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
