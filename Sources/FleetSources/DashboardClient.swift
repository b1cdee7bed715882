import Fleet
import Foundation
import WebClient

/// A running dashboard asked for its snapshot (`status --dashboard URL`): it knows who holds
/// GPUs idle, which one round over the agents cannot. The answer is bounded and decoded
/// strictly; anything else is an error with a reason.
public struct DashboardClient: Sendable {
    public struct Failure: Error, CustomStringConvertible { public let description: String }

    let base: String
    let timeout: Duration
    let fetcher: any HTTPFetcher

    public init(baseURL: String, timeout: Duration, fetcher: any HTTPFetcher = AsyncHTTPFetcher()) {
        base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.fetcher = fetcher
    }

    public func snapshot() async throws -> ClusterSnapshot {
        let r: (status: Int, body: Data)
        do { r = try await fetcher.get("\(base)/api/v1/snapshot", timeout: timeout, maxBytes: 64 << 20) } catch {
            throw Failure(description: "dashboard \(base): \(error)")
        }
        guard r.status == 200 else { throw Failure(description: "dashboard answered HTTP \(r.status)") }
        do { return try JSONDecoder().decode(ClusterSnapshot.self, from: r.body) } catch {
            throw Failure(description: "the dashboard's answer is not a snapshot")
        }
    }
}
