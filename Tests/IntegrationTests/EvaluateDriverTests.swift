import Foundation
import Testing
import VigilCore
import VigilRuntime

/// `vigil evaluate` / `vigil profile build` drivers on the committed example (examples/evaluate).
@Suite struct EvaluateDriverTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/evaluate").standardized
    static let roles = DatasetRoles(labelColumn: "label", predictionColumn: "prediction", scoreColumn: "score",
                                    segmentColumn: "gender")

    static func request(_ format: EvaluateRequest.OutputFormat = .json, failOn: [EvaluateRequest.FailOn] = [],
                        reference: String? = nil, current: String? = nil) -> EvaluateRequest {
        EvaluateRequest(referencePath: reference ?? examples.appendingPathComponent("reference.csv").path,
                        currentPath: current ?? examples.appendingPathComponent("current.csv").path,
                        roles: roles, format: format, failOn: failOn, progress: false)
    }

    @Test func failOnSetsTheExitStatus() throws {
        let (report, _) = try EvaluateDriver.evaluate(Self.request())
        #expect(EvaluateDriver.exitStatus(report, failOn: []) == 0)
        #expect(EvaluateDriver.exitStatus(report, failOn: [.drift]) == 2)
        #expect(EvaluateDriver.exitStatus(report, failOn: [.decay]) == 2)
        // Reference against itself: nothing drifts or decays.
        let same = Self.request(current: Self.examples.appendingPathComponent("reference.csv").path)
        let (selfReport, _) = try EvaluateDriver.evaluate(same)
        #expect(EvaluateDriver.exitStatus(selfReport, failOn: [.drift, .decay]) == 0)
    }

    @Test func ndjsonGivesTheSameReportAsCSV() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for name in ["reference", "current"] {
            let data = try DatasetReader.read(path: Self.examples.appendingPathComponent("\(name).csv").path)
            var lines = ""
            for row in 0..<data.rowCount {
                var object: [String: Any] = [:]
                var features: [String: Any] = [:]
                for (i, column) in data.columns.enumerated() {
                    let key = data.names[i]
                    let value: Any
                    switch column {
                    case .numeric(let v): value = v[row].isNaN ? NSNull() : v[row]
                    case .categorical(let v): value = v[row] ?? NSNull()
                    }
                    if ["label", "prediction", "score", "gender"].contains(key) { object[key] = value } else { features[key] = value }
                }
                object["features"] = features
                lines += String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self) + "\n"
            }
            let path = dir.appendingPathComponent("\(name).ndjson").path
            try lines.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let csv = try EvaluateDriver.evaluate(Self.request()).report
        let ndjson = try EvaluateDriver.evaluate(Self.request(reference: paths[0], current: paths[1])).report
        // NDJSON columns come in key order, CSV columns in header order: compare as sets.
        #expect(Set(ndjson.drift.driftedFeatures) == Set(csv.drift.driftedFeatures))
        #expect(ndjson.drift.drifted == csv.drift.drifted)
        #expect(ndjson.quality == csv.quality)
        #expect(Set(ndjson.features.map(\.name)) == Set(csv.features.map(\.name)))
        #expect(ndjson.findings.count == csv.findings.count)
    }

    @Test func unknownRoleColumnAndMethodAreErrors() {
        var request = Self.request()
        request.roles.labelColumn = "nope"
        #expect(throws: EvaluateError.self) { try EvaluateDriver.evaluate(request) }
        request = Self.request()
        request.methods = ["bogus"]
        #expect(throws: EvaluateError.self) { try EvaluateDriver.evaluate(request) }
    }

    @Test func profileRoundTrips() throws {
        let profile = try ProfileDriver.build(inputPath: Self.examples.appendingPathComponent("reference.csv").path,
                                              model: "loans", roles: Self.roles)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-profile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ProfileDriver.write(profile, to: path)
        let loaded = try ProfileDriver.load(path: path)
        #expect(loaded == profile)
        #expect(loaded.quality?["accuracy"] == 0.735)
        #expect(loaded.feature("income")?.numeric?.binEdges.count == 11)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"bin_edges\""))
    }
}
