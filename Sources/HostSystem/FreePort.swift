#if canImport(Glibc)
import Glibc
#endif

/// A TCP port on 127.0.0.1 that nobody listens on now (bound to 0, read, closed). Another
/// program may take it before the caller binds it: callers retry or accept that small race.
public enum FreePort {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "no free port on 127.0.0.1: \(String(cString: strerror(errno)))" }
    }

    public static func loopback() throws(Unavailable) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Unavailable() }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw Unavailable() }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
