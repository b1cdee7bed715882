import AgentCommandLine
import ArgumentParser

@main
struct GPUCluster: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpucluster",
        abstract: "Turn one cluster.yaml into a configured, secured, monitored and backed-up GPU cluster.",
        version: "0.1.0",
        subcommands: [InitCommand.self, ValidateCommand.self, PlanCommand.self, AgentCommand.self, DashboardCommand.self, StatusCommand.self, DemoCommand.self, RenderCommand.self, ApplyCommand.self, DriftCommand.self, UpgradeCommand.self, BackupCommand.self, NotifyCommand.self, AuditCommand.self, LabCommand.self])
}
