import Foundation
import WebClient

/// The bot's questions (`/gpus`, `/gpus 4`, `/gpus me`), answered from the dashboard's API
/// within the chat's 3 s: an ephemeral text with free GPUs and where a K-GPU job can start.
public struct SlashCommand: Sendable {
    let dashboard: String
    let fetcher: any HTTPFetcher

    public init(dashboardURL: String, fetcher: any HTTPFetcher = AsyncHTTPFetcher()) {
        dashboard = dashboardURL.hasSuffix("/") ? String(dashboardURL.dropLast()) : dashboardURL
        self.fetcher = fetcher
    }

    /// `application/x-www-form-urlencoded` fields (bounded: the body is limited before this).
    public static func form(_ body: Data) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&").prefix(64) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let k = kv.first { out[decode(k)] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }

    struct Free: Decodable {
        var freeGPUs: Int
        var nodes: [Node]
        struct Node: Decodable { var node: String; var gpus: [GPU] }
        struct GPU: Decodable { var index: Int }
    }
    struct Usage: Decodable { var user: String; var gpus: [String]; var idleHeld: [String] }

    /// The answer's text; `user` is the chat's user name (`/gpus me`).
    public func answer(text: String, user: String) async -> String {
        let arg = text.trimmingCharacters(in: .whitespaces).lowercased()
        let timeout = Duration.milliseconds(2000)
        if arg == "me" {
            guard let r = try? await fetcher.get("\(dashboard)/api/v1/users", timeout: timeout, maxBytes: 4 << 20), r.status == 200,
                  let all = try? JSONDecoder().decode([Usage].self, from: r.body) else { return "The dashboard does not answer right now." }
            guard let mine = all.first(where: { $0.user == user }) else { return "You hold no GPU now." }
            let idle = mine.idleHeld.isEmpty ? "" : "; idle: \(mine.idleHeld.prefix(20).map(ChatText.escape).joined(separator: ", ")), free them if you are done"
            let n = mine.gpus.count
            return "You hold \(n) GPU\(n == 1 ? "" : "s"): \(mine.gpus.prefix(20).map(ChatText.escape).joined(separator: ", "))\(idle)."
        }
        let k = arg.isEmpty ? 1 : Int(arg) ?? 0
        guard (1...64).contains(k) else { return "Usage: /gpus, /gpus K (1…64) or /gpus me" }
        guard let r = try? await fetcher.get("\(dashboard)/api/v1/free?min=\(k)", timeout: timeout, maxBytes: 4 << 20), r.status == 200,
              let free = try? JSONDecoder().decode(Free.self, from: r.body) else { return "The dashboard does not answer right now." }
        if free.nodes.isEmpty { return "\(free.freeGPUs) GPUs free; no node has \(k) free now." }
        let list = free.nodes.prefix(20).map { "\(ChatText.escape($0.node)): \($0.gpus.map { String($0.index) }.joined(separator: ","))" }
        return "\(free.freeGPUs) GPUs free. With \(k) free: " + list.joined(separator: "; ") + (free.nodes.count > 20 ? "; …" : "")
    }
}
