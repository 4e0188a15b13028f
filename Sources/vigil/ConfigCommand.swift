import ArgumentParser
import VigilRuntime

/// `vigil config check FILE`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with configuration files.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file without starting the agent.",
            discussion: "Prints every problem as FILE:LINE:COLUMN: FIELD.PATH: MESSAGE and exits 1, or prints a summary and exits 0.")

        @Argument(help: "The YAML file to check.")
        var file: String

        func run() throws {
            let code = ConfigCheck.run(path: file)
            if code != 0 { throw ExitCode(code) }
        }
    }
}
