import ArgumentParser
import Foundation
import Notify
import WebClient
import HostSystem

/// `gpucluster notify …`: the alert path's last step, on the monitor host.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Deliver alerts to chat: Alertmanager's webhook in, Slack-compatible messages out, exactly once.",
        discussion: """
        `serve` stores every webhook payload (SQLite, fsync) before it answers, then delivers in
        order per channel with retries, Retry-After and a dead-letter list. `send` and `smartd`
        hand a message to the running server; `status` shows the counts and the dead letters.
        """,
        subcommands: [Serve.self, Send.self, Smartd.self, Status.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Receive Alertmanager's webhook and deliver to the configured chat channels.")
        @Option(help: "The notify config (written by the notify role).") var config = NotifyConfig.defaultPath
        @Option(help: "Override the config's database path.") var database: String?

        func run() async throws {
            let c: NotifyConfig
            let channels: [ChatChannel]
            var secret: Data?
            do {
                c = try NotifyConfig.load(path: config)
                channels = try c.resolvedChannels()
                secret = try c.signingSecretFile.map { Data(try NotifyConfig.secret($0).utf8) }
            } catch {
                printError("gpucluster notify: \(error)")
                throw ExitCode(1)
            }
            guard let (host, port) = Self.hostPort(c.listen) else {
                printError("gpucluster notify: listen must be HOST:PORT, not \(c.listen)")
                throw ExitCode(1)
            }
            let outbox = try Outbox(path: database ?? c.database)
            var policy = Deliverer.Policy()
            policy.deadLetterAfter = c.deadLetterAfterSeconds
            policy.minInterval = c.minIntervalSeconds
            policy.firstRetry = c.firstRetrySeconds
            policy.maxRetry = c.maxRetrySeconds
            let deliverer = Deliverer(outbox: outbox, channels: channels, fallback: c.fallback, policy: policy)
            var setup = NotifyServer.Setup(outbox: outbox, primary: c.primary, signingSecret: secret)
            if let d = c.dashboardURL { setup.slash = SlashCommand(dashboardURL: d) }
            printError("gpucluster notify: \(channels.count) channel(s), outbox \(outbox.path)")
            try await NotifyServer.run(setup, deliverer: deliverer, host: host, port: port) { bound in
                FileHandle.standardOutput.write(Data("listening on http://\(host):\(bound)\n".utf8))
            }
        }

        static func hostPort(_ s: String) -> (String, Int)? {
            guard let i = s.lastIndex(of: ":"), let p = Int(s[s.index(after: i)...]), (0...65535).contains(p) else { return nil }
            return (String(s[..<i]), p)
        }
    }

    struct Sender: ParsableArguments {
        @Option(help: "The running notify server.") var url = "http://127.0.0.1:9095"

        func send(severity: String, text: String) async throws {
            let body = try JSONEncoder().encode(["severity": severity, "text": text])
            do {
                let r = try await AsyncHTTPFetcher().post("\(url)/api/v1/send", body: body, timeout: .seconds(10), maxBytes: 16 << 10)
                guard r.status == 200 else {
                    printError("gpucluster notify: HTTP \(r.status): \(String(decoding: r.body.prefix(300), as: UTF8.self))")
                    throw ExitCode(1)
                }
            } catch let e as FetchError {
                printError("gpucluster notify: \(url): \(e)")
                throw ExitCode(1)
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send one message through the running server (cron jobs, scripts).")
        @OptionGroup var sender: Sender
        @Option(help: "info, warning or critical.") var severity = "info"
        @Option(help: "The message (1…4000 characters).") var text: String

        func validate() throws {
            guard ["info", "warning", "critical"].contains(severity) else { throw ValidationError("--severity must be info, warning or critical") }
            guard (1...4000).contains(text.count) else { throw ValidationError("--text must be 1…4000 characters") }
        }

        func run() async throws { try await sender.send(severity: severity, text: text) }
    }

    struct Smartd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "smartd's warning hook: sends what smartd found (SMARTD_DEVICE, SMARTD_FAILTYPE, SMARTD_MESSAGE).")
        @OptionGroup var sender: Sender
        @Option(help: "The disk (default: $SMARTD_DEVICE).") var device: String?
        @Option(help: "What failed (default: $SMARTD_FAILTYPE).") var type: String?
        @Option(help: "smartd's message (default: $SMARTD_MESSAGE).") var message: String?

        func run() async throws {
            let env = ProcessInfo.processInfo.environment
            var values = env
            if let device { values["SMARTD_DEVICE"] = device }
            if let type { values["SMARTD_FAILTYPE"] = type }
            if let message { values["SMARTD_MESSAGE"] = message }
            try await sender.send(severity: "critical", text: Self.text(host: ProcessInfo.processInfo.hostName, environment: values))
        }

        static func text(host: String, environment env: [String: String]) -> String {
            func v(_ k: String) -> String { String((env[k] ?? "?").prefix(500)) }
            return "SMART on \(host): \(v("SMARTD_FAILTYPE")) on \(v("SMARTD_DEVICE")): \(v("SMARTD_MESSAGE"))"
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delivered, failed, queued and the dead-letter list.")
        @OptionGroup var sender: Sender
        @Flag(help: "As JSON.") var json = false

        func run() async throws {
            let r: (status: Int, body: Data)
            do { r = try await AsyncHTTPFetcher().get("\(sender.url)/api/v1/status", timeout: .seconds(10), maxBytes: 4 << 20) } catch {
                printError("gpucluster notify: \(sender.url): \(error)")
                throw ExitCode(1)
            }
            guard r.status == 200, let s = try? JSONDecoder().decode(NotifyServer.Status.self, from: r.body) else {
                printError("gpucluster notify: the server's status is unreadable (HTTP \(r.status))")
                throw ExitCode(1)
            }
            if json { print(String(decoding: r.body, as: UTF8.self)); return }
            let c = s.counts
            print("received \(c.received), delivered \(c.delivered), failed attempts \(c.failedAttempts), duplicates \(c.duplicates), queued \(c.queued), dead \(c.dead)")
            for m in s.dead { print("dead #\(m.id) \(m.channel) after \(m.attempts) attempts: \(TerminalText.printable(m.lastError ?? "?")) | \(TerminalText.printable(m.text))") }
        }
    }
}
