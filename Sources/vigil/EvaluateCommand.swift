import ArgumentParser
import Foundation
import VigilRuntime

extension EvaluateRequest.OutputFormat: ExpressibleByArgument {}
extension EvaluateRequest.FailOn: ExpressibleByArgument {}

/// `vigil evaluate`: drift, quality, estimated quality and slices of a current data set against a reference.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compare a current data set with a reference: drift per feature, quality, estimated quality, slices.",
        discussion: """
            Inputs are CSV (RFC 4180, header row) or NDJSON (one JSON object per line). Every column that is not \
            the label, prediction, score or segment column is a feature. Exit status: 0, or 2 when a --fail-on \
            condition holds, 1 on errors. See docs/evaluate.md for the JSON format.
            """)

    @Option(help: "Reference data (CSV or NDJSON).")
    var reference: String

    @Option(help: "Current data (CSV or NDJSON).")
    var current: String

    @OptionGroup var columns: ColumnRoleOptions

    @Option(help: "Output format: table, json or html.")
    var format: EvaluateRequest.OutputFormat = .table

    @Option(help: "Write the output to FILE instead of stdout.")
    var output: String?

    @Option(name: .customLong("fail-on"), help: "Exit 2 when this holds: drift (any feature drifted) or decay (quality fell). Repeatable.")
    var failOn: [EvaluateRequest.FailOn] = []

    @Option(help: "How far quality may fall below the reference before it is decay.")
    var tolerance = 0.05

    @Option(help: "Score threshold for predictions and estimated quality.")
    var threshold = 0.5

    @Option(name: .customLong("method"), help: "Drift method (ks, chi2, psi, wasserstein, jensenshannon); repeatable; default all.")
    var methods: [String] = []

    @Option(name: .customLong("parity-threshold"), help: "Largest acceptable demographic-parity difference.")
    var parityThreshold = 0.1

    @Option(name: .customLong("opportunity-threshold"), help: "Largest acceptable equal-opportunity difference.")
    var opportunityThreshold = 0.1

    @Flag(inversion: .prefixedNo, help: "Show a progress bar on stderr (default: when stderr is a terminal or inputs are large).")
    var progress: Bool?

    func run() throws {
        let roles = columns.roles
        let request = EvaluateRequest(
            referencePath: reference, currentPath: current, roles: roles, format: format, outputPath: output,
            failOn: failOn, tolerance: tolerance, threshold: threshold, methods: methods,
            fairness: FairnessThresholds(demographicParityDifference: parityThreshold,
                                         equalOpportunityDifference: opportunityThreshold),
            progress: progress)
        let status: Int32
        do { status = try EvaluateDriver.run(request) } catch {
            throw ValidationError("\(error)")
        }
        if status != 0 { throw ExitCode(status) }
    }
}
