import ArgumentParser
import Foundation
import VigilRuntime

/// `vigil profile build`: a model's reference profile for drift and decay monitoring.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Reference profiles of models.",
        subcommands: [Build.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a reference profile from reference data (CSV or NDJSON).",
            discussion: """
                Records per numeric feature quantile bin edges with counts, mean, standard deviation, min, max and \
                missing rate; per categorical feature the top-K categories plus other; the score and prediction \
                distributions; and reference quality when a label column is given.
                """)

        @Option(help: "Reference data (CSV or NDJSON).")
        var input: String

        @Option(help: "The model's name (the `model` field of its events).")
        var model: String

        @Option(help: "Where to write the profile JSON.")
        var out: String

        @OptionGroup var columns: ColumnRoleOptions

        @Option(help: "Quantile bins per numeric feature.")
        var bins = 10

        @Option(name: .customLong("top-k"), help: "Categories kept per categorical feature before `other`.")
        var topK = 20

        func validate() throws {
            guard bins >= 1 else { throw ValidationError("--bins must be at least 1") }
            guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        }

        func run() throws {
            let roles = columns.roles
            do {
                let profile = try ProfileDriver.build(inputPath: input, model: model, roles: roles, bins: bins, topK: topK)
                try ProfileDriver.write(profile, to: out)
                FileHandle.standardError.write(Data("wrote \(out): \(profile.features.count) features, \(profile.rowCount) rows\n".utf8))
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }
}
