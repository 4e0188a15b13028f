import ArgumentParser
import Foundation
import VigilRuntime

/// `vigil dead-letters list`.
struct DeadLettersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Inspect events that were rejected or could not be delivered.",
        subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the newest dead letters with their reason and raw bytes.")

        @Option(name: .customLong("data-dir"), help: "Data directory holding vigil.db.")
        var dataDir = "./vigil-data"

        @Option(help: "At most this many entries (1-10000).")
        var limit = 50

        @Option(help: "Only entries with this reason code (invalid_json, mapper_parsing_exception, ...).")
        var reason: String?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            do {
                print(try DeadLetters.list(DeadLetters.Options(dataDir: dataDir, limit: limit, reason: reason, json: json)))
            } catch {
                FileHandle.standardError.write(Data("vigil dead-letters list: \(error.description)\n".utf8))
                throw ExitCode(error.exitCode)
            }
        }
    }
}
