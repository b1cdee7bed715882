import ArgumentParser
import Spec

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the spec: every problem, with file:line:column and a hint.",
        discussion: "Exits 1 when there are errors, 0 when there are only warnings or none.")

    @Argument(help: "The spec file.")
    var file = "cluster.yaml"

    @Flag(help: "List the validation rules and exit.")
    var listRules = false

    func run() throws {
        if listRules {
            for r in ValidationRules.all { print(r.name.padding(toLength: 18, withPad: " ", startingAt: 0) + r.summary) }
            return
        }
        let input = try SpecInput.load(file)
        if !input.report() { throw ExitCode(1) }
    }
}
