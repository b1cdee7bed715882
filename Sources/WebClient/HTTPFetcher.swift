import AsyncHTTPClient
import Foundation
import NIOCore

/// One bounded HTTP exchange, as every module that talks to a server sends it (agents,
/// Prometheus, a keys mirror, chat services). Behind a protocol so round logic is testable
/// without servers; `AsyncHTTPFetcher` is the edge the fault tests exercise with real servers.
public protocol HTTPFetcher: Sendable {
    func send(_ request: WebRequest, timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse
}

public struct WebRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }
    public var method: Method
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(_ method: Method = .get, _ url: String, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

public struct WebResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(status: Int, headers: [(name: String, value: String)] = [], body: Data) {
        self.status = status; self.headers = headers; self.body = body
    }

    /// The first header of that name (case-insensitive), e.g. `Retry-After`.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

extension HTTPFetcher {
    /// A GET asking for JSON.
    public func get(_ url: String, timeout: Duration, maxBytes: Int) async throws(FetchError) -> (status: Int, body: Data) {
        let r = try await send(WebRequest(.get, url, headers: [("Accept", "application/json")]), timeout: timeout, maxBytes: maxBytes)
        return (r.status, r.body)
    }

    /// A POST of `body` (JSON unless told otherwise).
    public func post(_ url: String, body: Data, contentType: String = "application/json", headers: [(name: String, value: String)] = [],
                     timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse {
        try await send(WebRequest(.post, url, headers: [("Content-Type", contentType)] + headers, body: body), timeout: timeout, maxBytes: maxBytes)
    }
}

public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(Duration)
    case tooLarge(Int)
    case failed(String)

    public var description: String {
        switch self {
        case .timedOut(let d): return "timed out after \(Self.seconds(d))"
        case .tooLarge(let n): return n >= 1 << 20 ? "answer larger than \(n >> 20) MiB" : "answer larger than \(n) bytes"
        case .failed(let s): return s
        }
    }

    static func seconds(_ d: Duration) -> String {
        let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}

/// AsyncHTTPClient with a hard deadline over the whole exchange (head and body): a server
/// that sends headers and then stalls is cut off like one that never answers.
public struct AsyncHTTPFetcher: HTTPFetcher {
    let client: HTTPClient

    /// Redirects are answers, never followed: an agent (or a keys mirror) cannot send the
    /// dashboard to fetch from another address (AsyncHTTPClient's shared client follows up to 5).
    ///
    /// Idle connections are dropped after 10 s, before the agent drops its side (15 s,
    /// `AgentServer.idleTimeout`; AsyncHTTPClient's default is 60 s): with the dashboard asking
    /// each agent every scrapeInterval (15 s by default) the two closes met, the dashboard sent
    /// its request on a connection the agent was closing, and the node showed down for a round
    /// ("connection closed by the server": seen in the lab, a few rounds in ten).
    public static let noRedirects = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                               configuration: HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                                                       connectionPool: .init(idleTimeout: .seconds(10))))

    public init(client: HTTPClient = AsyncHTTPFetcher.noRedirects) { self.client = client }

    public func send(_ request: WebRequest, timeout: Duration, maxBytes: Int) async throws(FetchError) -> WebResponse {
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: WebResponse?.self) { group in
                group.addTask {
                    var r = HTTPClientRequest(url: request.url)
                    r.method = request.method == .post ? .POST : .GET
                    for h in request.headers { r.headers.add(name: h.name, value: h.value) }
                    if let body = request.body { r.body = .bytes(ByteBuffer(bytes: body)) }
                    let response = try await client.execute(r, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
                    let body = try await response.body.collect(upTo: maxBytes)
                    return WebResponse(status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) }, body: Data(body.readableBytesView))
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let answer = first else { throw FetchError.timedOut(timeout) }
                return answer
            }
        } catch let e as FetchError {
            throw e
        } catch is NIOTooManyBytesError {
            throw .tooLarge(maxBytes)
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            throw .timedOut(timeout)
        } catch {
            throw .failed(Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        let s = String(describing: error)
        if s.contains("connectionRefused") || s.contains("Connection refused") { return "connection refused" }
        if s.contains("remoteConnectionClosed") { return "connection closed by the server" }
        return s.count > 200 ? String(s.prefix(200)) + "…" : s
    }
}
