#if canImport(Glibc)
import Glibc
#endif

/// The few socket calls the probes make, with errno turned into nmap's verdicts.
public enum IPv4Socket {
    enum Outcome { case inProgress(Int32), done(PortState), noSocket }

    static func address(_ text: String, port: Int) -> sockaddr_in? {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        guard inet_pton(AF_INET, text, &a.sin_addr) == 1 else { return nil }
        return a
    }

    /// A dotted-quad IPv4 address (what may go on a remote command line unquoted).
    public static func isAddress(_ text: String) -> Bool {
        text.utf8.count <= 15 && text.allSatisfy { $0 == "." || ("0"..."9").contains($0) } && address(text, port: 0) != nil
    }

    /// The soft fd limit, raised to the hard one (a scan wants thousands in flight).
    static func raiseFileLimit() -> Int {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return 1024 }
        if r.rlim_cur < r.rlim_max {
            var raised = r
            raised.rlim_cur = min(r.rlim_max, 1 << 20)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { r = raised }
        }
        return Int(clamping: r.rlim_cur)
    }

    static func startConnect(_ target: sockaddr_in, port: Int) -> Outcome {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .noSocket }
        var a = target
        a.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        let rc = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc == 0 { abortOnClose(fd); close(fd); return .done(.open) }
        let e = errno
        if e == EINPROGRESS { return .inProgress(fd) }
        close(fd)
        if e == EAGAIN || e == EADDRNOTAVAIL || e == EMFILE || e == ENFILE || e == ENOBUFS { return .noSocket }
        return .done(verdict(e) ?? .filtered)
    }

    /// An open port's connection is closed with RST (linger 0): no TIME_WAIT left behind, so
    /// a full scan does not use up local ports (set only on open ones: one syscall fewer per probe).
    static func abortOnClose(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    /// The result of a connect that `poll` says has finished; nil when it should be tried again.
    static func finishConnect(_ fd: Int32) -> PortState? {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 else { return nil }
        return err == 0 ? .open : verdict(err)
    }

    /// nmap's reading of connect's errors: refused is closed; unreachable and prohibited
    /// (what ICMP type 3 codes 1, 9, 10, 13 become) are filtered.
    static func verdict(_ e: Int32) -> PortState? {
        switch e {
        case ECONNREFUSED: return .closed
        case EHOSTUNREACH, ENETUNREACH, EACCES, EPERM, EHOSTDOWN, ENETDOWN: return .filtered
        default: return nil
        }
    }
}

/// The address this machine would send from to reach `address` (a connected UDP socket sends
/// nothing; the kernel only picks the route), so the audit knows where it stands.
public func sourceAddress(toward address: String) -> String? {
    guard var target = IPv4Socket.address(address, port: 9) else { return nil }
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let rc = withUnsafePointer(to: &target) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard rc == 0 else { return nil }
    var local = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    guard ok == 0 else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
    guard inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
    return String(cString: text)
}
