#if canImport(Glibc)
import Glibc
#endif

/// What an SSH server says before any key is exchanged (RFC 4253 §4.2, §7.1): its version
/// line and its KEXINIT, the algorithms it offers. Read from the server itself, not from its
/// config; the answer is hostile input and every length in it is bounded.
public struct SSHServerHello: Sendable, Equatable, Codable {
    public var banner: String
    public var kex: [String]
    public var hostKeys: [String]
    public var ciphers: [String]
    public var macs: [String]
    public var compression: [String]

    public init(banner: String, kex: [String], hostKeys: [String], ciphers: [String], macs: [String], compression: [String]) {
        self.banner = banner; self.kex = kex; self.hostKeys = hostKeys; self.ciphers = ciphers; self.macs = macs; self.compression = compression
    }

    public struct Failure: Error, CustomStringConvertible, Equatable { public let description: String }

    /// Parses the bytes a server sent: optional lines before the version line (allowed by the
    /// RFC, at most 16), the `SSH-2.0-…` line, then one binary packet holding KEXINIT.
    public static func parse(_ bytes: [UInt8]) throws(Failure) -> SSHServerHello {
        var at = 0
        var banner: String?
        for _ in 0..<17 {
            guard let nl = bytes[at...].firstIndex(of: 0x0a), nl - at <= 255 else { throw Failure(description: "no SSH version line within 255 bytes") }
            var line = Array(bytes[at..<nl])
            if line.last == 0x0d { line.removeLast() }
            at = nl + 1
            if line.starts(with: Array("SSH-".utf8)) {
                guard line.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { throw Failure(description: "the version line holds control or non-ASCII bytes") }
                banner = String(decoding: line, as: UTF8.self)
                break
            }
        }
        guard let banner else { throw Failure(description: "no SSH version line") }
        guard banner.hasPrefix("SSH-2.0-") || banner.hasPrefix("SSH-1.99-") else { throw Failure(description: "not SSH protocol 2: \(banner)") }
        var r = Reader(bytes: bytes, at: at)
        let packetLength = try r.uint32()
        guard packetLength >= 5, packetLength <= 35_000 else { throw Failure(description: "packet length \(packetLength) out of bounds") }
        let padding = try r.byte()
        guard Int(padding) < Int(packetLength) - 1 else { throw Failure(description: "padding longer than the packet") }
        let payloadEnd = r.at + Int(packetLength) - 1 - Int(padding)
        guard payloadEnd <= bytes.count else { throw Failure(description: "packet cut short") }
        r.end = payloadEnd
        guard try r.byte() == 20 else { throw Failure(description: "the first packet is not KEXINIT") }
        try r.skip(16)                                   // cookie
        var lists: [[String]] = []
        for _ in 0..<10 { lists.append(try r.nameList()) }
        return SSHServerHello(banner: banner, kex: lists[0], hostKeys: lists[1], ciphers: lists[2], macs: lists[4], compression: lists[6])
    }

    struct Reader {
        let bytes: [UInt8]
        var at: Int
        var end: Int
        init(bytes: [UInt8], at: Int) { self.bytes = bytes; self.at = at; self.end = bytes.count }

        mutating func byte() throws(Failure) -> UInt8 {
            guard at < end else { throw Failure(description: "packet cut short") }
            defer { at += 1 }
            return bytes[at]
        }
        mutating func uint32() throws(Failure) -> UInt32 {
            var v: UInt32 = 0
            for _ in 0..<4 { v = v << 8 | UInt32(try byte()) }
            return v
        }
        mutating func skip(_ n: Int) throws(Failure) {
            guard end - at >= n else { throw Failure(description: "packet cut short") }
            at += n
        }
        /// A comma-separated list of names: printable ASCII, each at most 64 bytes, at most 64 names.
        mutating func nameList() throws(Failure) -> [String] {
            let n = Int(try uint32())
            guard n <= end - at else { throw Failure(description: "name-list longer than the packet") }
            let raw = bytes[at..<at + n]
            at += n
            guard raw.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { throw Failure(description: "a name-list holds control or non-ASCII bytes") }
            let names = raw.split(separator: 0x2c, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            if n == 0 { return [] }
            guard names.count <= 64, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }) else { throw Failure(description: "a name-list has an empty, overlong or 65th name") }
            return names
        }
    }

    /// Connects, says its own version, and reads the server's version and KEXINIT (bounded:
    /// 64 KiB, `timeout` seconds in all), then hangs up. No key is exchanged.
    public static func fetch(_ address: String, port: Int = 22, timeout: Double = 5) throws(Failure) -> SSHServerHello {
        guard var target = IPv4Socket.address(address, port: port) else { throw Failure(description: "not an IPv4 address: \(address)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "no socket") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            let why = errno == EINPROGRESS || errno == EAGAIN ? "timed out" : String(cString: strerror(errno))
            throw Failure(description: "cannot connect to \(address):\(port): \(why)")
        }
        let hello = Array("SSH-2.0-gpucluster_audit\r\n".utf8)
        _ = hello.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let deadline = Clock.now() + timeout
        var got: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 8192)
        var lastError = Failure(description: "the server sent nothing")
        while got.count < 65536 && Clock.now() < deadline {
            let n = buffer.withUnsafeMutableBufferPointer { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            got += buffer[0..<n]
            do { return try parse(got) } catch { lastError = error }
        }
        throw lastError
    }
}
