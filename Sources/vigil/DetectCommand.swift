import ArgumentParser
import Foundation
import VigilRuntime

/// `vigil detect DETECTOR [--param name=value ...] [--input FILE] [--column NAME]`.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run one streaming drift detector over a stream of numbers and print the warning and drift indices as JSON.",
        discussion: """
            Detectors (River 0.26.1 semantics and defaults): adwin, page_hinkley, kswin, ddm, eddm, hddm_a, hddm_w.
            The binary ones (ddm, eddm, hddm_a, hddm_w) take 1 for an error and 0 for a correct prediction.
            Parameters use River's names, e.g. --param delta=0.01 --param clock=1; kswin takes seed=N.
            Input: one number per line (blank lines skipped), or a CSV column with --column. Indices are 0-based.
            """)

    @Argument(help: "Detector name (adwin, page_hinkley, kswin, ddm, eddm, hddm_a, hddm_w).")
    var detector: String

    @Option(name: .customLong("param"), parsing: .singleValue, help: "A detector parameter, name=value (repeatable).")
    var params: [String] = []

    @Option(help: "Input file (default: standard input).")
    var input: String?

    @Option(help: "Read this column of a CSV file with a header row instead of one number per line.")
    var column: String?

    func run() throws {
        do {
            let parameters = try Detect.parseParameters(params)
            let bytes: [UInt8]
            if let input {
                guard let data = FileManager.default.contents(atPath: input) else {
                    throw Detect.Failure("cannot read \(input)")
                }
                bytes = [UInt8](data)
            } else {
                bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            }
            let report = try Detect.run(Detect.Options(detector: detector, parameters: parameters, column: column),
                                        input: bytes)
            print(report.json)
        } catch let failure as Detect.Failure {
            FileHandle.standardError.write(Data("vigil detect: \(failure.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
