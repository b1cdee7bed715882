import ArgumentParser
import Planning
import Spec
import Foundation

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what each host will get: roles, accounts, services, open ports and from where.")

    @Argument(help: "The spec file.")
    var file = "cluster.yaml"

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() throws {
        let input = try SpecInput.load(file)
        guard input.report(quietWhenClean: true), let spec = input.loaded.spec else { throw ExitCode(1) }
        let plan = Planner.plan(spec)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try enc.encode(plan), as: UTF8.self))
        } else {
            print(PlanTable.render(plan), terminator: "")
        }
    }
}
