#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Reads a small file another program wrote (the backup state, the backup config) without
/// trusting its size: at most `max` bytes, one more telling "too large" from "exactly the limit".
public enum SmallFile {
    public enum Failure: Error, Equatable {
        case missing
        case tooLarge
        /// Why, from the system (permission denied, …).
        case unreadable(String)
    }

    public static func read(_ path: String, max: Int) -> Result<Data, Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(errno == ENOENT ? .missing : .unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var data = Data(count: max + 1)
        var filled = 0
        while filled < data.count {
            let n = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress.map { $0 + filled }, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(.unreadable(String(cString: strerror(errno)))) }
            if n == 0 { break }
            filled += n
        }
        return filled > max ? .failure(.tooLarge) : .success(data.prefix(filled))
    }

    /// The first `max` bytes as text, nil when it cannot be opened. For files that report no
    /// size (/proc) or that may be cut short without harm; never reads more than `max`.
    public static func text(_ path: String, max: Int = 65536) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while out.count < max {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, Swift.min($0.count, max - out.count)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
