/// Thresholds above which a disparity between segments raises a finding.
public struct FairnessThresholds: Sendable, Hashable, Codable {
    /// Largest acceptable demographic-parity difference (default 0.1).
    public var demographicParityDifference: Double
    /// Largest acceptable equal-opportunity difference (default 0.1).
    public var equalOpportunityDifference: Double
    /// Segments with fewer rows take part in the slices but not in the disparities (default 1: all do, as in
    /// fairlearn).
    public var minimumSegmentSize: Int

    public init(demographicParityDifference: Double = 0.1, equalOpportunityDifference: Double = 0.1,
                minimumSegmentSize: Int = 1) {
        self.demographicParityDifference = demographicParityDifference
        self.equalOpportunityDifference = equalOpportunityDifference
        self.minimumSegmentSize = minimumSegmentSize
    }
}

/// Quality of one segment value.
public struct SegmentSlice: Sendable, Hashable, Codable {
    public var segment: String
    public var count: Int
    /// Fraction of rows predicted positive (binary tasks).
    public var selectionRate: Double?
    /// Recall of the positive class among labelled rows (binary tasks with labels).
    public var truePositiveRate: Double?
    public var quality: ModelQuality?
}

/// Quality per segment and the disparities between segments, as fairlearn defines them.
///
/// - demographic-parity difference: largest minus smallest selection rate (share of positive predictions)
///   over the segments (fairlearn's `demographic_parity_difference`, `method="between_groups"`);
/// - equal-opportunity difference: largest minus smallest true-positive rate over the segments (fairlearn's
///   `equal_opportunity_difference`); a segment without actual positives has a rate of 0, as in fairlearn.
///
/// Rows without a segment value are grouped under `(missing)`.
public struct FairnessReport: Sendable, Hashable, Codable {
    public static let missingSegment = "(missing)"

    public var segmentColumn: String
    public var slices: [SegmentSlice]
    public var demographicParityDifference: Double?
    public var equalOpportunityDifference: Double?
    public var thresholds: FairnessThresholds

    /// Builds slices from per-row values. `actual`/`scores` may be empty when absent.
    public init(segmentColumn: String, segments: [String?], task: ModelTask, actual: [String?],
                predicted: [String?], scores: [Double?], positiveClass: String = "1",
                thresholds: FairnessThresholds = FairnessThresholds()) {
        self.segmentColumn = segmentColumn
        self.thresholds = thresholds
        var rowsBySegment: [String: [Int]] = [:]
        for (row, s) in segments.enumerated() { rowsBySegment[s ?? FairnessReport.missingSegment, default: []].append(row) }
        var slices: [SegmentSlice] = []
        for segment in rowsBySegment.keys.sorted() {
            let rows = rowsBySegment[segment]!
            var slice = SegmentSlice(segment: segment, count: rows.count)
            if task == .binaryClassification, !predicted.isEmpty {
                let withPrediction = rows.filter { predicted[$0] != nil }
                if !withPrediction.isEmpty {
                    let positive = withPrediction.filter { predicted[$0] == positiveClass }.count
                    slice.selectionRate = Double(positive) / Double(withPrediction.count)
                }
            }
            if !actual.isEmpty, !predicted.isEmpty {
                let labelled = rows.filter {
                    actual[$0] != nil && predicted[$0] != nil && (scores.isEmpty || scores[$0] != nil)
                }
                if !labelled.isEmpty {
                    let a = labelled.map { actual[$0]! }, p = labelled.map { predicted[$0]! }
                    let s: [Double]? = scores.isEmpty ? nil : labelled.map { scores[$0]! }
                    slice.quality = ModelQuality(task: task, actual: a, predicted: p, scores: s,
                                                 positiveClass: positiveClass)
                    if task == .binaryClassification {
                        let positives = labelled.filter { actual[$0] == positiveClass }
                        let hits = positives.filter { predicted[$0] == positiveClass }.count
                        slice.truePositiveRate = positives.isEmpty ? 0 : Double(hits) / Double(positives.count)
                    }
                }
            }
            slices.append(slice)
        }
        self.slices = slices
        let eligible = slices.filter { $0.count >= thresholds.minimumSegmentSize }
        demographicParityDifference = FairnessReport.spread(eligible.compactMap(\.selectionRate))
        equalOpportunityDifference = FairnessReport.spread(eligible.compactMap(\.truePositiveRate))
    }

    /// Findings for disparities above their thresholds.
    public var findings: [EvaluationFinding] {
        var out: [EvaluationFinding] = []
        if let d = demographicParityDifference, d > thresholds.demographicParityDifference {
            out.append(EvaluationFinding(kind: .fairness, subject: segmentColumn, metric: "demographic_parity_difference",
                                         value: d, threshold: thresholds.demographicParityDifference))
        }
        if let d = equalOpportunityDifference, d > thresholds.equalOpportunityDifference {
            out.append(EvaluationFinding(kind: .fairness, subject: segmentColumn, metric: "equal_opportunity_difference",
                                         value: d, threshold: thresholds.equalOpportunityDifference))
        }
        return out
    }

    static func spread(_ values: [Double]) -> Double? {
        guard let lo = values.min(), let hi = values.max() else { return nil }
        return hi - lo
    }
}

/// Something an evaluation found that a person should look at; `--fail-on` gates on these.
public struct EvaluationFinding: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A feature's distribution moved beyond a drift method's threshold.
        case drift
        /// Quality fell below the reference quality minus the tolerance.
        case decay
        /// A disparity between segments exceeded its threshold.
        case fairness
    }

    public var kind: Kind
    /// The feature, metric or segment column concerned.
    public var subject: String
    /// The method or metric that measured it.
    public var metric: String
    public var value: Double
    public var threshold: Double

    public init(kind: Kind, subject: String, metric: String, value: Double, threshold: Double) {
        self.kind = kind
        self.subject = subject
        self.metric = metric
        self.value = value
        self.threshold = threshold
    }
}
