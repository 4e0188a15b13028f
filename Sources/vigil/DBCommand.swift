import ArgumentParser
import VigilRuntime

/// `vigil db migrate`: the shared PostgreSQL schema of a fleet (`storage.shared`).
struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the fleet's shared PostgreSQL database (storage.shared).",
        subcommands: [Migrate.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or migrate the shared schema to this Vigil's version (idempotent; one transaction per migration).",
            discussion: "Prints the schema version before and after. Exit status: 0 at the target version, 1 on an error.")

        @Option(help: "The agent's configuration file (its storage.shared section).") var config: String

        func run() async throws {
            let result = await SharedStateRuntime.migrate(configPath: config)
            if !result.stdout.isEmpty { print(result.stdout, terminator: "") }
            if !result.stderr.isEmpty { VigilRuntime.writeStandardError(result.stderr) }
            if result.status != 0 { throw ExitCode(result.status) }
        }
    }
}
