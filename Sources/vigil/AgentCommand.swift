import ArgumentParser
import VigilRuntime

/// `vigil agent`: runs the agent until SIGTERM or SIGINT.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the agent: ingest, /metrics, shipping, model monitoring.",
        discussion: "Runs on defaults with no arguments (listen 127.0.0.1:9750, data dir ./vigil-data, embedded log store). Command-line options override the file.")

    @Option(name: .long, help: "YAML configuration file (see docs/configuration.md).")
    var config: String?

    @Option(name: .long, help: "Listen address HOST:PORT (overrides server.listen). Port 0 picks a free port.")
    var listen: String?

    @Option(name: .customLong("data-dir"), help: "Data directory (overrides storage.data_dir).")
    var dataDir: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (overrides log.level).")
    var logLevel: String?

    @Flag(name: .long, help: "Also read JSON lines from standard input.")
    var stdin = false

    func run() async throws {
        let options = AgentOptions(configPath: config, listen: listen, dataDir: dataDir, logLevel: logLevel, stdin: stdin)
        let code = await Agent.main(options)
        if code != 0 { throw ExitCode(code) }
    }
}
