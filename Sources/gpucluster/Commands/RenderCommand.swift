import ArgumentParser
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
            do { keys = try await PublicKeys.fetch(for: spec, from: keysURL) } catch {
                printError("render: \(error)")
                throw ExitCode(1)
            }
        }
        let files = AnsibleProject.render(spec, keys: keys, specText: input.source.joined(separator: "\n"))
        do {
            let s = try ProjectWriter.write(files, to: output)
            printError("render: \(files.count) files in \(output): \(s.written.count) written, \(s.unchanged) unchanged, \(s.removed.count) removed")
            for note in AnsibleProject.notes(spec) { printError("render: note: \(note)") }
        } catch {
            printError("render: \(error)")
            throw ExitCode(1)
        }
    }
}
