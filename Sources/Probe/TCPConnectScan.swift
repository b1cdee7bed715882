#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// What a probe found, in nmap's words (`nmap -sT`, `nmap -sU`), so that results compare.
public enum PortState: String, Sendable, Codable, Comparable {
    /// TCP: the handshake completed. UDP: the service answered.
    case open
    /// TCP: RST (or ICMP port unreachable). UDP: ICMP port unreachable.
    case closed
    /// No answer after every try, or ICMP "administratively prohibited"/host unreachable.
    case filtered
    /// UDP only: nothing came back, which an open silent service and a firewall both give.
    case openFiltered = "open|filtered"

    public static func < (a: PortState, b: PortState) -> Bool { a.rawValue < b.rawValue }
    /// Whether something reachable answered (what a firewall policy forbids).
    public var answered: Bool { self == .open }
}

/// A TCP connect scan (`connect()` on non-blocking sockets, many in flight, `poll()`), the
/// same probe `nmap -sT` sends, so it needs no privileges and its verdicts match nmap's.
///
/// Speed without missed ports: up to `window` connects in flight (bounded by the fd limit);
/// the timeout adapts to the round trips the answers show (RFC 6298's SRTT + 4·RTTVAR, kept
/// within `minTimeout…maxTimeout`), and a port that gave no answer is tried again
/// (`retries`) with twice the timeout before it is called filtered: a SYN lost under load is
/// sent again instead of becoming a false "filtered".
public struct TCPConnectScan: Sendable {
    public var window: Int
    public var minTimeout: Double
    public var maxTimeout: Double
    public var initialTimeout: Double
    public var retries: Int

    public init(window: Int = 16384, minTimeout: Double = 0.1, maxTimeout: Double = 1.5, initialTimeout: Double = 1.0, retries: Int = 1) {
        self.window = max(1, window); self.minTimeout = minTimeout; self.maxTimeout = max(minTimeout, maxTimeout)
        self.initialTimeout = initialTimeout; self.retries = max(0, retries)
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    /// Scans `ports` (1…65535; others are dropped) of an IPv4 address. `progress(done, total)`
    /// is called at most every 1/20 of the work. The ports listed first are probed first: put
    /// the ones expected open there, their answers set the timeout for the rest. The ports are
    /// dealt to one shard per CPU (at most 4), each with its share of the window: connect()
    /// costs kernel time, which one thread alone would make the limit.
    public func scan(_ address: String, ports: [Int], progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws(Failure) -> [Int: PortState] {
        guard let target = IPv4Socket.address(address, port: 0) else { throw Failure(description: "not an IPv4 address: \(address)") }
        var seen = Set<Int>()
        let todo = ports.filter { (1...65535).contains($0) && seen.insert($0).inserted }
        let width = min(window, IPv4Socket.raiseFileLimit() - 64)
        guard width > 0 else { throw Failure(description: "no file descriptors left for probes") }
        let shards = max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), todo.count / 1024))
        let rtt = SharedRoundTrip(RoundTrip(initial: initialTimeout, min: minTimeout, max: maxTimeout))
        if shards == 1 { return try scan(target, todo, width: width, rtt: rtt, progress: progress) }
        let done = Mutex(0)
        let results = Mutex<[Result<[Int: PortState], Failure>]>([])
        DispatchQueue.concurrentPerform(iterations: shards) { k in
            let mine = stride(from: k, to: todo.count, by: shards).map { todo[$0] }
            var last = 0
            let r = Result { () throws(Failure) in
                try scan(target, mine, width: width / shards, rtt: rtt) { d, _ in
                    let total = done.withLock { $0 += d - last; return $0 }
                    last = d
                    progress(total, todo.count)
                }
            }
            results.withLock { $0.append(r) }
        }
        var merged: [Int: PortState] = [:]
        for r in results.withLock({ $0 }) { merged.merge(try r.get()) { a, _ in a } }
        return merged
    }

    /// One shard: its own sockets and poll loop; the round-trip estimate is shared, so the
    /// shard that probes the open ports sets the timeout for all.
    func scan(_ target: sockaddr_in, _ todo: [Int], width: Int, rtt shared: SharedRoundTrip, progress: (Int, Int) -> Void) throws(Failure) -> [Int: PortState] {
        var result: [Int: PortState] = [:]
        var queue = todo.map { (port: $0, attempt: 0) }
        var next = 0
        struct Probe { var fd: Int32; var port: Int; var attempt: Int; var sent: Double }
        var inFlight: [Probe] = []
        var reported = 0
        let step = max(1, todo.count / 20)

        while next < queue.count || !inFlight.isEmpty {
            // A burst at a time, then a look at the answers: a round trip measured across a
            // long burst would be the burst's length, not the network's.
            var burst = 0
            fill: while inFlight.count < width && next < queue.count && burst < 256 {
                burst += 1
                let (port, attempt) = queue[next]
                switch IPv4Socket.startConnect(target, port: port) {
                case .inProgress(let fd): inFlight.append(Probe(fd: fd, port: port, attempt: attempt, sent: Clock.now()))
                case .done(let state): result[port] = state
                case .noSocket:
                    // Out of descriptors or local ports for a moment: again once some finish.
                    if inFlight.isEmpty { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
                    break fill
                }
                next += 1
            }
            let rtt = shared.current()
            var samples: [Double] = []
            var fds = inFlight.map { pollfd(fd: $0.fd, events: Int16(POLLOUT), revents: 0) }
            let now = Clock.now()
            let soonest = inFlight.map { $0.sent + rtt.timeout(attempt: $0.attempt) }.min() ?? now
            let more = inFlight.count < width && next < queue.count
            let waitMs = more ? 0 : Int32(max(0, min(1000, (soonest - now) * 1000)).rounded(.up))
            _ = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), waitMs) }
            let after = Clock.now()
            var keep: [Probe] = []
            keep.reserveCapacity(inFlight.count)
            for (i, p) in inFlight.enumerated() {
                if fds[i].revents != 0 {
                    let state = IPv4Socket.finishConnect(p.fd)
                    if state == .open { IPv4Socket.abortOnClose(p.fd) }
                    close(p.fd)
                    if let state {
                        samples.append(after - p.sent)
                        result[p.port] = state
                    } else if p.attempt < retries {
                        queue.append((p.port, p.attempt + 1))
                    } else {
                        result[p.port] = .filtered
                    }
                } else if after - p.sent >= rtt.timeout(attempt: p.attempt) {
                    close(p.fd)
                    if p.attempt < retries { queue.append((p.port, p.attempt + 1)) } else { result[p.port] = .filtered }
                } else {
                    keep.append(p)
                }
            }
            inFlight = keep
            if !samples.isEmpty { shared.add(samples) }
            if result.count - reported >= step || result.count == todo.count {
                reported = result.count
                progress(result.count, todo.count)
            }
        }
        return result
    }
}

/// The retransmission timeout estimate of RFC 6298, applied to connect round trips.
struct RoundTrip {
    var srtt: Double?
    var rttvar = 0.0
    let initial: Double, min: Double, max: Double

    init(initial: Double, min: Double, max: Double) { self.initial = initial; self.min = min; self.max = max }

    mutating func sample(_ r: Double) {
        guard r.isFinite, r >= 0 else { return }
        if let s = srtt {
            rttvar = 0.75 * rttvar + 0.25 * abs(s - r)
            srtt = 0.875 * s + 0.125 * r
        } else {
            srtt = r; rttvar = r / 2
        }
    }

    /// The timeout for a try: doubled on each retry, always within min…max (the retry's double
    /// may pass max once, so a slow answer gets one generous chance).
    func timeout(attempt: Int) -> Double {
        let base = srtt.map { Swift.min(max, Swift.max(min, $0 + 4 * rttvar)) } ?? initial
        return attempt == 0 ? base : Swift.min(base * Double(1 << Swift.min(attempt, 4)), max * 2)
    }
}

/// The estimate the shards share (read once per poll round, samples added after it).
final class SharedRoundTrip: Sendable {
    private let state: Mutex<RoundTrip>
    init(_ r: RoundTrip) { state = Mutex(r) }
    func current() -> RoundTrip { state.withLock { $0 } }
    func add(_ samples: [Double]) { state.withLock { r in for s in samples { r.sample(s) } } }
}

enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
