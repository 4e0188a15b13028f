import ArgumentParser
import VigilRuntime

/// The `vigil` command line. Each subcommand lives in its own file in this folder.
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Vigil: one agent for service logs, Prometheus metrics, model monitoring and rollouts.",
        version: VigilRuntime.versionString,
        subcommands: [
            AgentCommand.self,
            ShipCommand.self,
            ConfigCommand.self,
            LogsCommand.self,
            DeadLettersCommand.self,
            DetectCommand.self,
            EvaluateCommand.self,
            ProfileCommand.self,
            ESCommand.self,
            SimulateCommand.self,
            RolloutCommand.self,
            RulesCommand.self,
            DBCommand.self,
            ControllerCommand.self,
            // Subcommands are registered here, one line each.
        ]
    )
}
