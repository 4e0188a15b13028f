import Foundation
import VigilCore

/// What `vigil evaluate` was asked to do.
public struct EvaluateRequest: Sendable {
    public enum OutputFormat: String, Sendable, CaseIterable { case table, json, html }
    public enum FailOn: String, Sendable, CaseIterable { case drift, decay }

    public var referencePath: String
    public var currentPath: String
    public var roles: DatasetRoles
    public var format: OutputFormat
    public var outputPath: String?
    public var failOn: [FailOn]
    /// Allowed fall below reference quality (default 0.05).
    public var tolerance: Double
    /// Score threshold (default 0.5).
    public var threshold: Double
    /// Drift methods by name; all when empty.
    public var methods: [String]
    public var fairness: FairnessThresholds
    /// `nil`: automatic (stderr is a terminal, or the inputs are large).
    public var progress: Bool?

    public init(referencePath: String, currentPath: String, roles: DatasetRoles, format: OutputFormat = .table,
                outputPath: String? = nil, failOn: [FailOn] = [], tolerance: Double = 0.05, threshold: Double = 0.5,
                methods: [String] = [], fairness: FairnessThresholds = FairnessThresholds(), progress: Bool? = nil) {
        self.referencePath = referencePath
        self.currentPath = currentPath
        self.roles = roles
        self.format = format
        self.outputPath = outputPath
        self.failOn = failOn
        self.tolerance = tolerance
        self.threshold = threshold
        self.methods = methods
        self.fairness = fairness
        self.progress = progress
    }
}

/// A request that cannot run (unknown drift method, a role column that does not exist).
public struct EvaluateError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Runs `vigil evaluate`: read, build the report, render, write, decide the exit status.
public enum EvaluateDriver {
    /// Exit status when a `--fail-on` condition holds.
    public static let failureExitStatus: Int32 = 2
    /// Inputs larger than this (bytes, both files together) get a progress bar even without a terminal
    /// (about 200,000 rows of 20 columns).
    public static let largeInputBytes = 20_000_000

    /// The report and the rendered text.
    public static func evaluate(_ request: EvaluateRequest) throws -> (report: EvaluationReport, output: String) {
        let size = fileSize(request.referencePath) + fileSize(request.currentPath)
        let progress = ProgressBar(enabled: request.progress ?? (ProgressBar.stderrIsTerminal || size > largeInputBytes))
        defer { progress.finish() }
        var methods = FeatureDriftMethods.standard
        if !request.methods.isEmpty {
            methods = try request.methods.map { name in
                guard let m = FeatureDriftMethods.named(name) else {
                    throw EvaluateError(description: "unknown drift method \"\(name)\" (known: ks, chi2, psi, wasserstein, jensenshannon)")
                }
                return m
            }
        }
        progress.update(0, "reading \(request.referencePath)")
        let reference = try DatasetReader.read(path: request.referencePath)
        progress.update(0.3, "reading \(request.currentPath)")
        let current = try DatasetReader.read(path: request.currentPath)
        for (flag, column) in [("--label-column", request.roles.labelColumn), ("--prediction-column", request.roles.predictionColumn),
                               ("--score-column", request.roles.scoreColumn), ("--segment-column", request.roles.segmentColumn)] {
            if let column, reference.column(column) == nil, current.column(column) == nil {
                throw EvaluateError(description: "\(flag) \(column): no such column in either input")
            }
        }
        let options = EvaluationOptions(roles: request.roles, threshold: request.threshold, tolerance: request.tolerance,
                                        methods: methods, fairness: request.fairness)
        let report = EvaluationReportBuilder.build(reference: reference, current: current, options: options) { done, total in
            progress.update(0.6 + 0.4 * Double(done) / Double(max(total, 1)), "feature \(done) of \(total)")
        }
        let output: String
        switch request.format {
        case .json: output = EvaluationReportRenderer.json(report)
        case .table: output = EvaluationReportRenderer.table(report)
        case .html: output = EvaluationReportRenderer.html(report)
        }
        return (report, output)
    }

    /// Runs the request, writes the output (file or stdout) and returns the exit status.
    public static func run(_ request: EvaluateRequest) throws -> Int32 {
        let (report, output) = try evaluate(request)
        if let path = request.outputPath {
            try Data(output.utf8).write(to: URL(fileURLWithPath: path))
        } else {
            FileHandle.standardOutput.write(Data(output.utf8))
        }
        return exitStatus(report, failOn: request.failOn)
    }

    /// 2 when a `--fail-on` condition holds (`drift`: any feature drifted; `decay`: any decay finding), else 0.
    public static func exitStatus(_ report: EvaluationReport, failOn: [EvaluateRequest.FailOn]) -> Int32 {
        for condition in failOn {
            switch condition {
            case .drift where report.drift.drifted > 0: return failureExitStatus
            case .decay where report.findings.contains(where: { $0.kind == .decay }): return failureExitStatus
            default: continue
            }
        }
        return 0
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// Runs `vigil profile build`.
public enum ProfileDriver {
    public static func build(inputPath: String, model: String, roles: DatasetRoles, bins: Int = 10,
                             topK: Int = 20) throws -> ReferenceProfile {
        let data = try DatasetReader.read(path: inputPath)
        for column in [roles.labelColumn, roles.predictionColumn, roles.scoreColumn, roles.segmentColumn].compactMap({ $0 })
        where data.column(column) == nil {
            throw EvaluateError(description: "no column \"\(column)\" in \(inputPath)")
        }
        return ReferenceProfile.build(model: model, dataset: data, roles: roles, bins: bins, topK: topK)
    }

    /// Stable JSON of a profile (sorted keys, snake_case, pretty).
    public static func encode(_ profile: ReferenceProfile) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(profile)
    }

    /// Reads a profile written by ``encode(_:)``.
    public static func load(path: String) throws -> ReferenceProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EvaluateError(description: "cannot read profile \(path)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(ReferenceProfile.self, from: data) } catch {
            throw EvaluateError(description: "\(path): not a Vigil reference profile (\(error))")
        }
    }

    public static func write(_ profile: ReferenceProfile, to path: String) throws {
        try (try encode(profile) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
    }
}
