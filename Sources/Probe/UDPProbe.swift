#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// UDP probes as `nmap -sU` sends them: a payload the service answers where one is known
/// (an ONC RPC NULL call for rpcbind and NFS), an empty datagram otherwise. An answer is open,
/// ICMP port unreachable (ECONNREFUSED on a connected socket) is closed, silence after every
/// try is open|filtered.
public struct UDPProbe: Sendable {
    public var timeout: Double
    public var tries: Int

    public init(timeout: Double = 1.0, tries: Int = 2) {
        self.timeout = timeout; self.tries = max(1, tries)
    }

    /// The payload for a port: RPC NULL calls for the RPC services, nothing for the rest.
    public static func payload(port: Int) -> [UInt8] {
        switch port {
        case 111: return rpcNullCall(program: 100000, version: 2)     // rpcbind / portmapper
        case 2049: return rpcNullCall(program: 100003, version: 3)    // nfsd (v3 answers over UDP)
        default: return []
        }
    }

    /// An ONC RPC call message (RFC 5531) for procedure 0, no credentials.
    static func rpcNullCall(program: UInt32, version: UInt32) -> [UInt8] {
        let words: [UInt32] = [0x6770_6375, 0, 2, program, version, 0, 0, 0, 0, 0]   // xid "gpcu", CALL, RPC v2, …, AUTH_NONE ×2
        return words.flatMap { w in [UInt8(w >> 24 & 255), UInt8(w >> 16 & 255), UInt8(w >> 8 & 255), UInt8(w & 255)] }
    }

    /// Probes the ports side by side, one socket each (UDP scans are few ports: the spec's
    /// UDP services), so silence costs the timeout once, not once per port.
    public func probe(_ address: String, ports: [Int]) -> [Int: PortState] {
        let todo = Array(Set(ports.filter { (1...65535).contains($0) })).sorted().prefix(1024)
        let states = Mutex([Int: PortState]())
        DispatchQueue.concurrentPerform(iterations: todo.count) { i in
            let port = todo[todo.startIndex + i]
            let s = probe(address, port: port)
            states.withLock { $0[port] = s }
        }
        return states.withLock { $0 }
    }

    func probe(_ address: String, port: Int) -> PortState {
        guard var target = IPv4Socket.address(address, port: port) else { return .filtered }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .openFiltered }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { return .filtered }
        let payload = Self.payload(port: port)
        var buffer = [UInt8](repeating: 0, count: 2048)
        for _ in 0..<tries {
            let sent = payload.withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, 0) }
            if sent < 0 { if errno == ECONNREFUSED { return .closed }; continue }
            let deadline = Clock.now() + timeout
            while Clock.now() < deadline {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let wait = Int32(max(1, (deadline - Clock.now()) * 1000))
                guard poll(&p, 1, wait) > 0 else { continue }
                let n = buffer.withUnsafeMutableBufferPointer { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n >= 0 { return .open }
                if errno == ECONNREFUSED { return .closed }
                if errno == EHOSTUNREACH || errno == ENETUNREACH || errno == EACCES { return .filtered }
            }
        }
        return .openFiltered
    }
}
