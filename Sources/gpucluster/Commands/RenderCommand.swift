import WebClient
import ArgumentParser
import FleetSources
import Foundation
import Render
import Spec

struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write the whole cluster configuration as a plain Ansible project.",
        discussion: """
        Inventory (groups from roles), site.yml and one role per concern. Same spec, same bytes.
        Users with `github: NAME` get their keys fetched now from --keys-url into keys/NAME.pub,
        for you to review and commit; `apply` never fetches keys.
        """)

    @Argument(help: "The spec file.") var file = "cluster.yaml"
    @Option(name: .shortAndLong, help: "Output folder (created; an earlier render there is updated).") var output: String
    @Option(help: "Where public keys are fetched from; {user} is replaced (a local mirror works too).")
    var keysURL = "https://github.com/{user}.keys"
    @Flag(help: "Fetch no keys: `github:` users get a placeholder key file.") var offline = false

    func validate() throws {
        guard keysURL.contains("{user}"), keysURL.hasPrefix("https://") || keysURL.hasPrefix("http://") else {
            throw ValidationError("--keys-url must be an http(s) URL containing {user}")
        }
        guard !output.isEmpty else { throw ValidationError("--output must name a folder") }
    }

    func run() async throws {
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        var keys: [String: [String]] = [:]
        if !offline {
            let fetcher = AsyncHTTPFetcher()
            for u in spec.users {
                guard let gh = u.github?.value else { continue }
                let url = keysURL.replacingOccurrences(of: "{user}", with: gh.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? gh)
                do {
                    let r = try await fetcher.get(url, timeout: .seconds(10), maxBytes: 64 << 10)
                    guard r.status == 200 else { throw ValidationError("HTTP \(r.status)") }
                    let lines = String(decoding: r.body, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    let valid = lines.filter(Self.isPublicKey)
                    guard !valid.isEmpty else { throw ValidationError("no public key in the answer") }
                    keys[u.name.value] = valid
                } catch {
                    printError("render: keys of \(u.name.value) (github: \(gh)) from \(url): \(error)")
                    throw ExitCode(1)
                }
            }
        }
        let files = AnsibleProject.render(spec, keys: keys, specText: input.source.joined(separator: "\n"))
        do {
            let s = try ProjectWriter.write(files, to: output)
            printError("render: \(files.count) files in \(output): \(s.written.count) written, \(s.unchanged) unchanged, \(s.removed.count) removed")
            if let b = spec.backup, !b.allowBastionAccess.value, let bastion = spec.bastion, b.server.value != bastion.name.value {
                // Ansible usually runs on the bastion, which this host refuses (backup isolation).
                printError("render: note: \(b.server.value) refuses SSH from \(bastion.name.value): configure it from the admins' network "
                           + "(`gpucluster apply --limit \(b.server.value)` there); from \(bastion.name.value), use --limit '!\(b.server.value)'")
            }
        } catch {
            printError("render: \(error)")
            throw ExitCode(1)
        }
    }

    /// One OpenSSH public key line (type, base64, optional comment).
    static func isPublicKey(_ line: String) -> Bool {
        let parts = line.split(separator: " ")
        guard parts.count >= 2, line.utf8.count < 16_384 else { return false }
        let types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                     "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"]
        return types.contains(String(parts[0])) && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
    }
}
