import ArgumentParser
import VigilRuntime

/// `vigil rules generate --config FILE [--output FILE]`.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Prometheus rules for Vigil.",
        subcommands: [Generate.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render recording and alerting rules for the configuration's service-level objectives.",
            discussion: """
                Reads the slos: section (and the metrics_from_logs histograms it refers to) and prints a Prometheus \
                rule file: the error ratio of each SLO over 5m … 3d, its objective, and multi-window, multi-burn-rate \
                alerts (VigilSLOErrorBudgetBurn, VigilSLOLatencyBudgetBurn). See docs/alerts.md.
                """)

        @Option(help: "The agent's configuration file.")
        var config: String

        @Option(help: "Write the rules to this file instead of standard output.")
        var output: String?

        func run() throws {
            let code = RulesGenerate.run(configPath: config, output: output)
            if code != 0 { throw ExitCode(code) }
        }
    }
}
