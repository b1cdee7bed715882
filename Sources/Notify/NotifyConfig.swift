import Foundation
import HostSystem

/// `notify serve`'s settings (`/etc/gpucluster/notify.json`, written by the notify role).
/// Secrets are never in it: the webhook URL, the bot token and the signing secret are read
/// from their own files, which must be private to their owner (mode 0600 or 0400).
public struct NotifyConfig: Codable, Sendable, Equatable {
    public struct Channel: Codable, Sendable, Equatable {
        public var name: String
        public var kind: ChatChannel.Kind
        /// A file holding the incoming webhook's URL (webhook), or the API's URL itself (api).
        public var urlFile: String?
        public var url: String?
        public var channel: String?
        public var tokenFile: String?
    }

    public var listen: String = "127.0.0.1:9095"
    public var database: String = "/var/lib/gpucluster/notify.sqlite"
    public var channels: [Channel] = []
    /// Where alerts go; the fallback gets what the primary could not take.
    public var primary: String = "primary"
    public var fallback: String?
    public var deadLetterAfterSeconds: Double = 3600
    public var minIntervalSeconds: Double = 1
    /// Backoff after a failed attempt: the first wait, doubled each time up to the maximum.
    public var firstRetrySeconds: Double = 2
    public var maxRetrySeconds: Double = 300
    /// For `/gpus` slash commands: the signing secret's file and the dashboard to ask.
    public var signingSecretFile: String?
    public var dashboardURL: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case listen, database, channels, primary, fallback, deadLetterAfterSeconds, minIntervalSeconds, firstRetrySeconds, maxRetrySeconds
        case signingSecretFile, dashboardURL
    }

    /// Every key but `channels` may be left out (the defaults above).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NotifyConfig()
        listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? d.listen
        database = try c.decodeIfPresent(String.self, forKey: .database) ?? d.database
        channels = try c.decode([Channel].self, forKey: .channels)
        primary = try c.decodeIfPresent(String.self, forKey: .primary) ?? d.primary
        fallback = try c.decodeIfPresent(String.self, forKey: .fallback)
        deadLetterAfterSeconds = try c.decodeIfPresent(Double.self, forKey: .deadLetterAfterSeconds) ?? d.deadLetterAfterSeconds
        minIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .minIntervalSeconds) ?? d.minIntervalSeconds
        firstRetrySeconds = try c.decodeIfPresent(Double.self, forKey: .firstRetrySeconds) ?? d.firstRetrySeconds
        maxRetrySeconds = try c.decodeIfPresent(Double.self, forKey: .maxRetrySeconds) ?? d.maxRetrySeconds
        signingSecretFile = try c.decodeIfPresent(String.self, forKey: .signingSecretFile)
        dashboardURL = try c.decodeIfPresent(String.self, forKey: .dashboardURL)
    }

    public struct Invalid: Error, CustomStringConvertible { public let description: String }

    public static let defaultPath = "/etc/gpucluster/notify.json"

    public static func load(path: String) throws(Invalid) -> NotifyConfig {
        let data: Data
        switch SmallFile.read(path, max: 64 << 10) {
        case .success(let d): data = d
        case .failure(let f): throw Invalid(description: "\(path): \(f)")
        }
        let c: NotifyConfig
        do { c = try JSONDecoder().decode(NotifyConfig.self, from: data) } catch {
            throw Invalid(description: "\(path): not a notify config (\(error))")
        }
        guard c.deadLetterAfterSeconds >= 1, (0...60).contains(c.minIntervalSeconds), (0.1...3600).contains(c.firstRetrySeconds),
              (c.firstRetrySeconds...3600).contains(c.maxRetrySeconds) else {
            throw Invalid(description: "\(path): deadLetterAfterSeconds ≥ 1, minIntervalSeconds 0…60, firstRetrySeconds 0.1…maxRetrySeconds…3600")
        }
        for ch in c.channels where !ch.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) || ch.name.isEmpty {
            throw Invalid(description: "\(path): channel names are letters, digits and dashes")
        }
        return c
    }

    /// The channels with their secrets read.
    public func resolvedChannels() throws(Invalid) -> [ChatChannel] {
        var out: [ChatChannel] = []
        for ch in channels {
            var url = ch.url
            if let f = ch.urlFile { url = try Self.secret(f) }
            guard let url, url.hasPrefix("https://") || url.hasPrefix("http://"), url.utf8.count <= 2048 else {
                throw Invalid(description: "channel \(ch.name): needs an http(s) URL (url or urlFile)")
            }
            out.append(ChatChannel(name: ch.name, kind: ch.kind, url: url, channel: ch.channel, token: try ch.tokenFile.map(Self.secret)))
        }
        return out
    }

    /// A secret's file: private to its owner (or readable by root's group, no more: systemd
    /// 256 and later, Debian 13, hand credentials over as 0440 root:root with an ACL for the
    /// service's user), small, one line. A relative name is a systemd credential
    /// (`LoadCredential=`), read from `$CREDENTIALS_DIRECTORY`.
    public static func secret(_ name: String) throws(Invalid) -> String {
        var path = name
        if !name.hasPrefix("/") {
            guard let dir = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"], !name.contains("/") else {
                throw Invalid(description: "\(name): a relative secret is a systemd credential, but $CREDENTIALS_DIRECTORY is not set")
            }
            path = dir + "/" + name
        }
        var st = stat()
        guard stat(path, &st) == 0 else { throw Invalid(description: "\(path): cannot read the secret") }
        let groupReadsAsRoot = st.st_gid == 0 && st.st_mode & 0o070 == 0o040
        guard st.st_mode & 0o007 == 0, st.st_mode & 0o070 == 0 || groupReadsAsRoot else {
            throw Invalid(description: "\(path): a secret must not be readable by others (chmod 600)")
        }
        switch SmallFile.read(path, max: 4096) {
        case .success(let d):
            let text = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, !text.contains("\n") else { throw Invalid(description: "\(path): one line expected") }
            return text
        case .failure(let f): throw Invalid(description: "\(path): \(f)")
        }
    }
}
