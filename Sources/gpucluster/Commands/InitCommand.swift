import ArgumentParser
import Spec
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a commented example cluster.yaml.")

    @Option(name: .shortAndLong, help: "Where to write it ('-' for standard output).")
    var output = "cluster.yaml"

    @Flag(help: "Replace the file if it exists.")
    var force = false

    func run() throws {
        if output == "-" {
            print(ExampleSpec.text, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: output) && !force {
            printError("\(output): error: the file exists; not replacing it (use --force, or -o OTHER)")
            throw ExitCode(1)
        }
        do {
            try Data(ExampleSpec.text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            printError("\(output): error: cannot write: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        print("wrote \(output): edit it, then run `gpucluster validate \(output)` and `gpucluster plan \(output)`")
    }
}
