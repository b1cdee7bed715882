import Foundation
import Testing
import TestSupport
@testable import GPU

/// A local user opening many idle connections must not stop scrapes nor starve the agent's
/// own /proc reads: the agent caps connections, closes idle ones and raises its fd limit.
@Suite("Agent under idle connections", .serialized)
struct ConnectionLimitTests {
    /// Opens a TCP connection to 127.0.0.1:port and leaves it idle; nil when refused.
    static func idleConnection(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        if !ok { close(fd); return nil }
        return fd
    }

    @Test("1,000 idle connections: scrapes still answer in under 1 s, with fresh collections")
    func thousandIdle() throws {
        // This process needs 1,000 descriptors too.
        var l = rlimit()
        let nofile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        getrlimit(nofile, &l)
        if l.rlim_cur < 4096 { l.rlim_cur = min(l.rlim_max, 4096); setrlimit(nofile, &l) }
        try #require(l.rlim_cur >= 1100, "this machine allows only \(l.rlim_cur) open files")
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 8).text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.2"])
        defer { agent.stop() }
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<1000 { if let fd = Self.idleConnection(agent.port) { fds.append(fd) } }
        #expect(fds.count == 1000, "opened \(fds.count) of 1,000")
        var slowest = 0.0
        var first = ""
        for i in 0..<10 {
            let start = Date()
            let r = try agent.get("/metrics", timeout: 2)
            slowest = max(slowest, Date().timeIntervalSince(start))
            #expect(r.status == 200)
            if i == 0 { first = r.body }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(slowest < 1, "slowest scrape with 1,000 idle connections: \(slowest) s")
        // Collections go on (the collectors still get descriptors for /proc and NVML).
        let collections = { (body: String) in body.split(separator: "\n").first { $0.hasPrefix("gpucluster_agent_last_collection_timestamp_seconds") } ?? "" }
        #expect(collections(first) != collections(try agent.get("/metrics").body), "collections stalled")
        let fdCount = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(agent.pid)/fd").count) ?? 0
        #expect(fdCount >= 1000 && fdCount <= 1000 + 64, "agent holds \(fdCount) descriptors")
    }

    @Test("an idle connection is closed by the agent after its idle timeout")
    func idleClosed() throws {
        let inst = try SimLibrary.instance(SimScenario.uniform(count: 1).text)
        let agent = try AgentProcess(arguments: ["--nvml", inst.library, "--interval", "0.5"])
        defer { agent.stop() }
        let fd = try #require(Self.idleConnection(agent.port))
        defer { close(fd) }
        var tv = timeval(tv_sec: 25, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let start = Date()
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)   // 0: the agent closed it
        let waited = Date().timeIntervalSince(start)
        #expect(n == 0 && waited > 10 && waited < 22, "recv \(n) after \(waited) s")
    }

    @Test("bad --unix-socket paths are refused before anything listens")
    func badSocketPaths() throws {
        for path in ["relative.sock", "/" + String(repeating: "x", count: 120)] {
            let r = try Tools.run(Binary.gpucluster, ["agent", "--unix-socket", path, "--nvml", "/nonexistent"], timeout: 20)
            #expect(r.status != 0 && r.error.contains("--unix-socket"), "\(path.prefix(20)): \(r.status) \(r.error)")
        }
    }
}

