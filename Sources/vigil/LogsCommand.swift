import ArgumentParser
import Foundation
import VigilRuntime

/// `vigil logs search`.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Query the embedded log store.",
        subcommands: [Search.self])

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search stored events, newest first.",
            discussion: """
                TEXT words must all occur (a trailing * matches a prefix). --since and --until take a duration back \
                from now (15m, 2h, 7d), an RFC 3339 time or epoch milliseconds; --since is inclusive, --until exclusive.
                """)

        @Option(name: .customLong("data-dir"), help: "Data directory holding logs.db.")
        var dataDir = "./vigil-data"

        @Option(help: "Only this service.")
        var service: String?

        @Option(help: "Only this level (case-insensitive).")
        var level: String?

        @Option(help: "Events at or after this time (15m, 2h, 7d, RFC 3339, epoch ms).")
        var since: String?

        @Option(help: "Events before this time.")
        var until: String?

        @Option(help: "At most this many events (1-10000).")
        var limit = 100

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @Argument(help: "Words to search for.")
        var text: [String] = []

        func run() throws {
            let options = LogSearch.Options(dataDir: dataDir, text: text.isEmpty ? nil : text.joined(separator: " "), service: service,
                                            level: level, since: since, until: until, limit: limit, json: json)
            let nowMillis = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            do {
                print(try LogSearch.run(options, nowMillis: nowMillis))
            } catch {
                FileHandle.standardError.write(Data("vigil logs search: \(error.description)\n".utf8))
                throw ExitCode(error.exitCode)
            }
        }
    }
}
