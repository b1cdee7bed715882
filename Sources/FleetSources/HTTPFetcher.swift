import AsyncHTTPClient
import Foundation
import NIOCore

/// One bounded GET. Behind a protocol so the round logic is testable without servers; the
/// AsyncHTTPClient implementation is the edge the fault tests exercise with real servers.
public protocol HTTPFetcher: Sendable {
    func get(_ url: String, timeout: Duration, maxBytes: Int) async throws(FetchError) -> (status: Int, body: Data)
}

public enum FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    case timedOut(Duration)
    case tooLarge(Int)
    case failed(String)

    public var description: String {
        switch self {
        case .timedOut(let d): return "timed out after \(Self.seconds(d))"
        case .tooLarge(let n): return "answer larger than \(n >> 20) MiB"
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
    public static let noRedirects = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                                               configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    public init(client: HTTPClient = AsyncHTTPFetcher.noRedirects) { self.client = client }

    public func get(_ url: String, timeout: Duration, maxBytes: Int) async throws(FetchError) -> (status: Int, body: Data) {
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: (Int, Data)?.self) { group in
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.headers.add(name: "Accept", value: "application/json")
                    let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
                    let body = try await response.body.collect(upTo: maxBytes)
                    return (Int(response.status.code), Data(buffer: body))
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
        if s.contains("remoteConnectionClosed") { return "connection closed by the agent" }
        return s.count > 200 ? String(s.prefix(200)) + "…" : s
    }
}
