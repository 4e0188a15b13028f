import ArgumentParser
import VigilRuntime

/// `vigil controller`: decides a fleet's rollouts from Prometheus (docs/fleet.md, "vigil controller").
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Decide the fleet's rollouts (evaluator: controller) from the agents' counters in Prometheus.",
        discussion: "Needs storage.shared, a controller: section and at least one rollout with evaluator: controller. Serves /metrics, /healthz and the rollout API on server.listen.")

    @Option(name: .long, help: "YAML configuration file (storage.shared, controller, rollouts).")
    var config: String

    @Option(name: .long, help: "Listen address HOST:PORT (overrides server.listen). Port 0 picks a free port.")
    var listen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (overrides log.level).")
    var logLevel: String?

    func run() async throws {
        let code = await Controller.main(configPath: config, listen: listen, logLevel: logLevel)
        if code != 0 { throw ExitCode(code) }
    }
}
