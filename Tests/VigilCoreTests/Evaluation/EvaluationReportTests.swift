import Foundation
import Testing
@testable import VigilCore

/// `vigil evaluate`'s core on the committed example (examples/evaluate): golden JSON, table, HTML charts.
@Suite struct EvaluationReportTests {
    static let examples = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("../../../examples/evaluate").standardized
    static let goldenSource = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("../Vectors/eval/golden_evaluate_example.json").standardized

    static func load(_ name: String) throws -> Dataset {
        try CSVParser.parse(Array(try Data(contentsOf: examples.appendingPathComponent(name))))
    }

    static let roles = DatasetRoles(labelColumn: "label", predictionColumn: "prediction", scoreColumn: "score",
                                    segmentColumn: "gender")

    static func exampleReport() throws -> EvaluationReport {
        EvaluationReportBuilder.build(reference: try load("reference.csv"), current: try load("current.csv"),
                                      options: EvaluationOptions(roles: roles))
    }

    /// Regenerate deliberately with `VIGIL_UPDATE_GOLDEN=1 swift test --filter EvaluationReportTests`.
    @Test func goldenJSON() throws {
        let json = EvaluationReportRenderer.json(try Self.exampleReport())
        if ProcessInfo.processInfo.environment["VIGIL_UPDATE_GOLDEN"] == "1" {
            try json.write(to: Self.goldenSource, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: EvalVectors.url("golden_evaluate_example.json"), encoding: .utf8)
        #expect(json == golden, "JSON differs from Vectors/eval/golden_evaluate_example.json")
    }

    @Test func exampleFindsTheDriftItWasMadeWith() throws {
        let report = try Self.exampleReport()
        #expect(report.task == .binaryClassification)
        #expect(report.features.map(\.name) == ["age", "income", "tenure_months", "country", "device"])
        let drifted = Set(report.drift.driftedFeatures)
        #expect(drifted.contains("income"))
        #expect(drifted.contains("device"))
        #expect(!drifted.contains("tenure_months"))
        #expect(report.findings.contains { $0.kind == .decay && $0.metric == "accuracy" })
        #expect(report.estimatedQuality?.current?.metrics["accuracy"] != nil)
        #expect(report.slices?.slices.map(\.segment) == ["f", "m"])
        #expect(report.features.first { $0.name == "income" }?.current.missingRate ?? 0 > 0)
    }

    @Test func htmlHasOneChartPerFeatureWithBothSeries() throws {
        let report = try Self.exampleReport()
        let html = EvaluationReportRenderer.html(report)
        let charts = html.components(separatedBy: "<svg").dropFirst()
        #expect(charts.count == report.features.count)
        for (chart, feature) in zip(charts, report.features) {
            let body = chart.components(separatedBy: "</svg>")[0]
            #expect(body.contains("aria-label=\"\(feature.name) histogram\""))
            #expect(body.contains("<rect class=\"ref\""), "no reference bars for \(feature.name)")
            #expect(body.contains("<rect class=\"cur\""), "no current bars for \(feature.name)")
        }
        #expect(html.contains("<figcaption>device"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    }

    @Test func tableListsFeaturesQualityAndFindings() throws {
        let table = EvaluationReportRenderer.table(try Self.exampleReport())
        #expect(table.contains("income"))
        #expect(table.contains("DRIFT"))
        #expect(table.contains("accuracy"))
        #expect(table.contains("Findings"))
    }

    @Test func htmlEscapes() {
        #expect(EvaluationReportRenderer.escape("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
    }

    @Test(arguments: [(0.5, "0.5000"), (-1.23456, "-1.2346"), (0.00001234, "1.23e-5"), (12345.0, "12345.0000"),
                      (-0.00004, "-4.00e-5"), (0.99996, "1.0000")])
    func formatting(x: Double, text: String) {
        #expect(EvaluationReportRenderer.format(x) == text)
    }
}
