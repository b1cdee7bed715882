import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 GET to 127.0.0.1 only (tests never talk to any other address).
public enum LoopbackHTTP {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static func get(port: Int, path: String, timeout: Double = 5) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw Failure(description: "connect to 127.0.0.1:\(port) failed (errno \(errno))") }
        let req = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        _ = req.withCString { send(fd, $0, strlen($0), 0) }
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 { throw Failure(description: "timed out or failed reading from 127.0.0.1:\(port)") }
            if n == 0 { break }
            data += buf[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no HTTP header in answer") }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for h in head.dropFirst() {
            if let c = h.firstIndex(of: ":") { headers[h[..<c].lowercased()] = h[h.index(after: c)...].trimmingCharacters(in: .whitespaces) }
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"]?.contains("chunked") == true { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let nl = rest.range(of: "\r\n"), let size = Int(rest[..<nl.lowerBound], radix: 16), size > 0 {
            let start = nl.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}

/// The built `gpucluster` binary and running it in the background.
public enum Binary {
    public static var gpucluster: String {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("gpucluster").path,
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("gpucluster").path,
            Repo.path(".build/debug/gpucluster"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }
}

/// A `gpucluster agent` on 127.0.0.1 with a free port; stopped on `stop()` or deinit.
public final class AgentProcess: @unchecked Sendable {
    public let child: Spawned
    public let port: Int

    /// `port: 0` takes a free one; a given port lets a test restart an agent where Prometheus scrapes it.
    public init(arguments: [String], environment: [String: String] = [:], port: Int = 0) throws {
        child = try Spawned(Binary.gpucluster, ["agent", "--host", "127.0.0.1", "--port", String(port), "--smartctl", ""] + arguments,
                            environment: environment, captureStdout: true)
        let pattern = #"listening on http://127\.0\.0\.1:([0-9]+)"#
        guard let text = child.readUntil(pattern, seconds: 20),
              let r = text.range(of: pattern, options: .regularExpression),
              let port = Int(text[r].split(separator: ":").last ?? "") else {
            child.stop()
            throw LoopbackHTTP.Failure(description: "agent did not start")
        }
        self.port = port
    }

    public var pid: pid_t { child.pid }

    public func get(_ path: String, timeout: Double = 5) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.get(port: port, path: path, timeout: timeout)
    }

    public func stop() { child.stop() }
    deinit { stop() }
}

/// Parses Prometheus text into (name, labels, value) samples, for assertions.
public struct Scraped: Sendable {
    public struct Sample: Sendable { public var name: String; public var labels: [String: String]; public var value: Double }
    public var samples: [Sample] = []
    public var families: Set<String> = []

    public init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") { families.insert(String(line.split(separator: " ")[2])); continue }
            if line.hasPrefix("#") { continue }
            guard let sp = line.lastIndex(of: " "), let v = Double(line[line.index(after: sp)...].replacingOccurrences(of: "+Inf", with: "inf")) else { continue }
            let series = line[..<sp]
            var labels: [String: String] = [:]
            var name = String(series)
            if let b = series.firstIndex(of: "{") {
                name = String(series[..<b])
                let inner = series[series.index(after: b)..<(series.lastIndex(of: "}") ?? series.endIndex)]
                // label values here never contain `",`; good enough for tests.
                for part in inner.components(separatedBy: "\",") {
                    let kv = part.split(separator: "=", maxSplits: 1)
                    if kv.count == 2 { labels[String(kv[0])] = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
                }
            }
            samples.append(Sample(name: name, labels: labels, value: v))
        }
    }

    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }?.value
    }
    public func all(_ name: String) -> [Sample] { samples.filter { $0.name == name } }
}

/// A `gpucluster` server command (dashboard, demo) on loopback; the port is read from the
/// line it prints when listening. Stopped on `stop()` or deinit.
public final class ServerProcess: @unchecked Sendable {
    public let child: Spawned
    public let port: Int

    public convenience init(_ arguments: [String], environment: [String: String] = [:], seconds: Double = 60) throws {
        try self.init(executable: Binary.gpucluster, arguments, environment: environment, seconds: seconds)
    }

    /// Any program that prints `http://127.0.0.1:PORT` once it listens.
    public convenience init(python: String, script: String, _ arguments: [String]) throws {
        try self.init(executable: python, [script] + arguments, environment: [:], seconds: 20)
    }

    init(executable: String, _ arguments: [String], environment: [String: String], seconds: Double) throws {
        child = try Spawned(executable, arguments, environment: environment, captureStdout: true)
        let pattern = #"http://127\.0\.0\.1:([0-9]+)"#
        guard let text = child.readUntil(pattern, seconds: seconds),
              let r = text.range(of: pattern, options: .regularExpression),
              let port = Int(text[r].split(separator: ":").last ?? "") else {
            child.stop()
            throw LoopbackHTTP.Failure(description: "gpucluster \(arguments.first ?? "") did not start")
        }
        self.port = port
    }

    public func get(_ path: String, timeout: Double = 5) throws -> LoopbackHTTP.Response {
        try LoopbackHTTP.get(port: port, path: path, timeout: timeout)
    }

    /// kill -9: no chance to clean up (the crash-safety tests).
    public func kill9() {
        kill(child.pid, SIGKILL)
        child.stop()
    }

    public func stop() { child.stop() }
    deinit { stop() }
}
