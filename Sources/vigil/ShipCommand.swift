import ArgumentParser
import VigilRuntime

/// `vigil ship`: deliver files (or stdin) to the configured sink and exit, for batch jobs and CI.
struct ShipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Read files (or stdin) to their end, deliver every event to the configured sink, then exit.",
        discussion: """
            Uses the agent's configuration and pipeline: events go through the spool to Elasticsearch \
            (sinks.elasticsearch) or the embedded log store. Without FILES it reads the configured file and stdin \
            sources. Exit status: 0 when every accepted event was acknowledged by the sink; 3 when some were not \
            (after --timeout or a signal they stay in the spool for the next run; those the sink refused are dead-lettered); 4 with --fail-on-rejected when \
            lines were rejected; 1 for bad arguments or configuration; 2 when it cannot start. \
            Prints a summary on stdout. See docs/ship.md.
            """)

    @Option(name: .long, help: "YAML configuration file (see docs/configuration.md).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Data directory for the spool and checkpoints (overrides storage.data_dir). Not one a running agent uses.")
    var dataDir: String?

    @Option(name: .long, help: "Give up after this long (e.g. 30s, 5m, 1h) and exit 3 with what is still undelivered.")
    var timeout = "5m"

    @Flag(name: .customLong("fail-on-rejected"), help: "Exit 4 when lines were rejected (not JSON, too deep, ...), even if everything else was delivered.")
    var failOnRejected = false

    @Flag(name: .long, help: "Print the summary as one JSON object.")
    var json = false

    @Option(name: .customLong("log-level"), help: "Level of the JSON logs on stderr (default warning).")
    var logLevel: String?

    @Argument(help: "Files or glob patterns to read; - reads standard input. Default: the configured sources.")
    var files: [String] = []

    func run() async throws {
        // Status 1 like every other argument or configuration problem of `vigil ship` (not the parser's 64).
        guard let seconds = DurationText.parse(timeout), seconds > 0 else {
            Ship.reportUsageError("--timeout: expected a duration such as 30s, 5m or 1h, got \"\(timeout)\"")
            throw ExitCode(ShipSummary.ExitStatus.usage)
        }
        let options = ShipOptions(configPath: config, inputs: files, dataDir: dataDir, timeoutSeconds: seconds,
                                  failOnRejected: failOnRejected, logLevel: logLevel, json: json)
        let code = await Ship.main(options)
        if code != 0 { throw ExitCode(code) }
    }
}
