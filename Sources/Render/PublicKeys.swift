import Foundation
import Spec
import WebClient

/// Keys of `github:` users, fetched at render time (never by `apply`) into keys/USER.pub for
/// the admin to review and commit. The answer is hostile until checked: bounded, no redirects,
/// and only lines that are OpenSSH public keys are kept.
public enum PublicKeys {
    public struct Failure: Error, CustomStringConvertible {
        public let user: String
        public let url: String
        public let reason: String
        public var description: String { "keys of \(user) from \(url): \(reason)" }
    }

    /// `template` contains `{user}`, replaced by the percent-encoded GitHub name.
    public static func fetch(for spec: ClusterSpec, from template: String, using fetcher: any HTTPFetcher = AsyncHTTPFetcher(),
                             timeout: Duration = .seconds(10)) async throws(Failure) -> [String: [String]] {
        var keys: [String: [String]] = [:]
        for u in spec.users {
            guard let gh = u.github?.value else { continue }
            let url = template.replacingOccurrences(of: "{user}", with: gh.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? gh)
            let who = "\(u.name.value) (github: \(gh))"
            let answer: (status: Int, body: Data)
            do { answer = try await fetcher.get(url, timeout: timeout, maxBytes: 64 << 10) } catch {
                throw Failure(user: who, url: url, reason: "\(error)")
            }
            guard answer.status == 200 else { throw Failure(user: who, url: url, reason: "HTTP \(answer.status)") }
            let lines = String(decoding: answer.body, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let valid = lines.filter(isPublicKey)
            guard !valid.isEmpty else { throw Failure(user: who, url: url, reason: "no public key in the answer") }
            keys[u.name.value] = valid
        }
        return keys
    }

    /// One OpenSSH public key line (type, base64, optional comment).
    public static func isPublicKey(_ line: String) -> Bool {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, line.utf8.count < 16_384 else { return false }
        let types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                     "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]
        return types.contains(String(parts[0])) && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
    }
}
