/// Options of `vigil evaluate`.
public struct EvaluationOptions: Sendable {
    public var roles: DatasetRoles
    /// Inferred from the reference data when `nil`.
    public var task: ModelTask?
    /// Score threshold for predictions derived from scores and for CBPE (default 0.5).
    public var threshold: Double
    /// Allowed fall of quality below the reference before it is decay (default 0.05).
    public var tolerance: Double
    /// Drift tests to run (each on the features it applies to).
    public var methods: [FeatureDriftMethod]
    public var fairness: FairnessThresholds
    /// Equal-width bins of the numeric histograms (default 10).
    public var histogramBins: Int
    /// Categories shown in categorical histograms before `other` (default 10).
    public var histogramCategories: Int
    /// Up to this many non-missing reference values a feature is judged by a statistical test (KS,
    /// chi-square), above it by a distance (Wasserstein, Jensen–Shannon), as Evidently does (default 1000).
    public var largeSampleSize: Int

    public init(roles: DatasetRoles, task: ModelTask? = nil, threshold: Double = 0.5, tolerance: Double = 0.05,
                methods: [FeatureDriftMethod] = FeatureDriftMethods.standard,
                fairness: FairnessThresholds = FairnessThresholds(), histogramBins: Int = 10,
                histogramCategories: Int = 10, largeSampleSize: Int = 1000) {
        self.roles = roles
        self.task = task
        self.threshold = threshold
        self.tolerance = tolerance
        self.methods = methods
        self.fairness = fairness
        self.histogramBins = histogramBins
        self.histogramCategories = histogramCategories
        self.largeSampleSize = largeSampleSize
    }
}

/// Builds an ``EvaluationReport`` from a reference and a current data set: pure, deterministic.
///
/// A feature's verdict comes from one decisive method: for numeric features `ks` when the reference has at
/// most `largeSampleSize` values, else `wasserstein`; for categorical features `chi2`, else `jensenshannon`
/// (falling back to the first method that ran when the preferred one is not configured). Every configured
/// method is still run and reported. Features are the columns of the reference that are not roles; a feature
/// missing from the current data is reported with an empty current side and no tests.
public enum EvaluationReportBuilder {
    public static func build(reference: Dataset, current: Dataset, options: EvaluationOptions,
                             progress: ((Int, Int) -> Void)? = nil) -> EvaluationReport {
        let roles = options.roles
        let task = options.task ?? ModelTask.infer(dataset: reference, roles: roles)
            ?? ModelTask.infer(dataset: current, roles: roles)
        let names = roles.featureNames(in: reference)
        var features: [FeatureReport] = []
        for (i, name) in names.enumerated() {
            features.append(feature(name: name, reference: reference.column(name)!, current: current.column(name),
                                    options: options))
            progress?(i + 1, names.count)
        }
        let drifted = features.filter(\.drifted).map(\.name)
        let drift = DriftSummary(features: features.count, drifted: drifted.count,
                                 share: features.isEmpty ? 0 : Double(drifted.count) / Double(features.count),
                                 driftedFeatures: drifted)

        var quality = QualityComparison()
        var estimated: QualityComparison?
        var referenceQuality: ModelQuality?
        var currentQuality: ModelQuality?
        if let task {
            referenceQuality = ModelQuality.compute(dataset: reference, roles: roles, task: task, threshold: options.threshold)
            currentQuality = ModelQuality.compute(dataset: current, roles: roles, task: task, threshold: options.threshold)
            quality.reference = referenceQuality.map(QualitySection.init)
            quality.current = currentQuality.map(QualitySection.init)
            if task == .binaryClassification, roles.scoreColumn != nil {
                estimated = QualityComparison(reference: estimate(reference, options).map(QualitySection.init),
                                              current: estimate(current, options).map(QualitySection.init))
            }
        }

        var slices: FairnessReport?
        if let segmentColumn = roles.segmentColumn, let segments = current.column(segmentColumn), let task {
            let predicted = predictedTexts(current, task: task, options: options)
            slices = FairnessReport(
                segmentColumn: segmentColumn, segments: segments.texts, task: task,
                actual: roles.labelColumn.flatMap(current.column)?.texts ?? [],
                predicted: predicted,
                scores: roles.scoreColumn.flatMap(current.column).map { c in (0..<current.rowCount).map { c.number(at: $0) } } ?? [],
                positiveClass: roles.positiveClass, thresholds: options.fairness)
        }

        var findings: [EvaluationFinding] = []
        for f in features where f.drifted {
            if let test = f.tests.first(where: { $0.method == f.decisiveMethod }) {
                findings.append(EvaluationFinding(kind: .drift, subject: f.name, metric: test.method,
                                                  value: test.pValue ?? test.statistic, threshold: test.threshold))
            }
        }
        if let ref = quality.reference?.metrics {
            if let currentQuality {
                findings += DecayCheck.findings(reference: ref, current: currentQuality, tolerance: options.tolerance)
            } else if let estimate = estimate(current, options) {
                let headline = DecayCheck.headlineMetrics(.binaryClassification)
                findings += DecayCheck.findings(reference: ref, current: estimate.namedValues.filter { headline.contains($0.name) },
                                                tolerance: options.tolerance, prefix: "estimated_")
            }
        }
        findings += slices?.findings ?? []

        return EvaluationReport(
            formatVersion: EvaluationReport.currentFormatVersion, task: task, roles: roles,
            reference: DatasetSummary(rows: reference.rowCount, columns: reference.names.count),
            current: DatasetSummary(rows: current.rowCount, columns: current.names.count),
            drift: drift, features: features, quality: quality, estimatedQuality: estimated, slices: slices,
            tolerance: options.tolerance, findings: findings)
    }

    // MARK: - Features

    static func feature(name: String, reference: ColumnValues, current: ColumnValues?,
                        options: EvaluationOptions) -> FeatureReport {
        // A feature numeric on one side and text on the other is compared as text.
        if case .numeric(let ref) = reference, let current, case .numeric(let cur) = current {
            return numericFeature(name: name, reference: ref, current: cur, options: options)
        }
        if case .numeric(let ref) = reference, current == nil {
            return numericFeature(name: name, reference: ref, current: nil, options: options)
        }
        return categoricalFeature(name: name, reference: reference.texts, current: current?.texts, options: options)
    }

    static func numericFeature(name: String, reference: [Double], current: [Double]?,
                               options: EvaluationOptions) -> FeatureReport {
        var ref = reference.filter { !$0.isNaN }
        var cur = (current ?? []).filter { !$0.isNaN }
        Sorting.sort(&ref)
        Sorting.sort(&cur)
        var tests: [DriftTestResult] = []
        if !ref.isEmpty, !cur.isEmpty {
            for method in options.methods {
                guard let f = method.numeric else { continue }
                tests.append(result(method, f(ref, cur)))
            }
        }
        let preferred = ref.count <= options.largeSampleSize ? "ks" : "wasserstein"
        let decisive = tests.first { $0.method == preferred } ?? tests.first
        return FeatureReport(
            name: name, kind: .numeric, reference: numericSummary(reference, ref),
            current: numericSummary(current ?? [], cur), decisiveMethod: decisive?.method,
            drifted: decisive?.drifted ?? false, tests: tests,
            histogram: numericHistogram(ref, cur, bins: options.histogramBins))
    }

    static func categoricalFeature(name: String, reference: [String?], current: [String?]?,
                                   options: EvaluationOptions) -> FeatureReport {
        var refCounts: [String: Int] = [:], curCounts: [String: Int] = [:]
        for v in reference { if let v { refCounts[v, default: 0] += 1 } }
        for v in current ?? [] { if let v { curCounts[v, default: 0] += 1 } }
        // Categories ordered by reference frequency, then current frequency, then name: stable.
        let categories = Set(refCounts.keys).union(curCounts.keys).sorted {
            let a = (refCounts[$0] ?? 0, curCounts[$0] ?? 0), b = (refCounts[$1] ?? 0, curCounts[$1] ?? 0)
            return a != b ? a > b : $0 < $1
        }
        let r = categories.map { refCounts[$0] ?? 0 }, c = categories.map { curCounts[$0] ?? 0 }
        var tests: [DriftTestResult] = []
        let refTotal = r.reduce(0, +), curTotal = c.reduce(0, +)
        if refTotal > 0, curTotal > 0 {
            for method in options.methods {
                guard let f = method.categorical else { continue }
                tests.append(result(method, f(r, c)))
            }
        }
        let preferred = refTotal <= options.largeSampleSize ? "chi2" : "jensenshannon"
        let decisive = tests.first { $0.method == preferred } ?? tests.first
        let shown = min(categories.count, options.histogramCategories)
        var histogram = FeatureHistogram(edges: nil, categories: Array(categories.prefix(shown)),
                                         reference: Array(r.prefix(shown)), current: Array(c.prefix(shown)))
        if categories.count > shown {
            histogram.categories?.append("other")
            histogram.reference.append(r.dropFirst(shown).reduce(0, +))
            histogram.current.append(c.dropFirst(shown).reduce(0, +))
        }
        return FeatureReport(
            name: name, kind: .categorical,
            reference: categoricalSummary(reference, refCounts), current: categoricalSummary(current ?? [], curCounts),
            decisiveMethod: decisive?.method, drifted: decisive?.drifted ?? false, tests: tests, histogram: histogram)
    }

    static func result(_ method: FeatureDriftMethod, _ m: DriftMeasurement) -> DriftTestResult {
        let rule: String
        switch method.rule {
        case .pValueBelow: rule = "p_value_below"
        case .statisticAtLeast: rule = "statistic_at_least"
        }
        return DriftTestResult(method: method.name, statistic: m.statistic,
                               statisticName: m.statisticName ?? method.statisticName,
                               wassersteinDistance: m.wassersteinDistance, pValue: m.pValue,
                               threshold: method.rule.threshold, rule: rule, drifted: method.drifted(m))
    }

    static func numericSummary(_ all: [Double], _ present: [Double]) -> FeatureSummary {
        guard !present.isEmpty else {
            return FeatureSummary(count: 0, missingRate: all.isEmpty ? 0 : 1)
        }
        // One pass, Welford's update (as NumericProfile), no sort.
        var mean = 0.0, m2 = 0.0, lo = Double.infinity, hi = -Double.infinity
        for (i, x) in present.enumerated() {
            let delta = x - mean
            mean += delta / Double(i + 1)
            m2 += delta * (x - mean)
            lo = min(lo, x); hi = max(hi, x)
        }
        let std = present.count > 1 ? (m2 / Double(present.count - 1)).squareRoot() : 0
        return FeatureSummary(count: present.count,
                              missingRate: Double(all.count - present.count) / Double(all.count),
                              mean: mean, std: std, min: lo, max: hi)
    }

    static func categoricalSummary(_ all: [String?], _ counts: [String: Int]) -> FeatureSummary {
        let present = counts.values.reduce(0, +)
        let top = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
        return FeatureSummary(count: present,
                              missingRate: all.isEmpty ? 0 : Double(all.count - present) / Double(all.count),
                              distinct: counts.count, top: top)
    }

    static func numericHistogram(_ ref: [Double], _ cur: [Double], bins: Int) -> FeatureHistogram {
        let lo = min(ref.min() ?? 0, cur.min() ?? 0)
        let hi = max(ref.max() ?? 0, cur.max() ?? 0)
        let n = hi > lo ? max(bins, 1) : 1
        let width = (hi - lo) / Double(n)
        let edges = (0...n).map { i in i == n ? hi : lo + Double(i) * width }
        func count(_ values: [Double]) -> [Int] {
            var out = [Int](repeating: 0, count: n)
            for x in values {
                let b = width > 0 ? min(Int((x - lo) / width), n - 1) : 0
                out[max(b, 0)] += 1
            }
            return out
        }
        return FeatureHistogram(edges: edges, categories: nil, reference: count(ref), current: count(cur))
    }

    // MARK: - Quality helpers

    static func predictedTexts(_ data: Dataset, task: ModelTask, options: EvaluationOptions) -> [String?] {
        let roles = options.roles
        if let p = roles.predictionColumn.flatMap(data.column) { return p.texts }
        guard task == .binaryClassification, let s = roles.scoreColumn.flatMap(data.column) else { return [] }
        let negative = ModelQuality.negativeClass(dataset: data, roles: roles)
        return (0..<data.rowCount).map { row in
            s.number(at: row).map { $0 >= options.threshold ? roles.positiveClass : negative }
        }
    }

    static func estimate(_ data: Dataset, _ options: EvaluationOptions) -> ConfidenceBasedPerformanceEstimation? {
        let roles = options.roles
        guard let s = roles.scoreColumn.flatMap(data.column) else { return nil }
        let prediction = roles.predictionColumn.flatMap(data.column)
        var scores: [Double] = [], positive: [Bool] = []
        for row in 0..<data.rowCount {
            guard let score = s.number(at: row) else { continue }
            if let prediction {
                guard let p = prediction.text(at: row) else { continue }
                positive.append(p == roles.positiveClass)
            } else {
                positive.append(score >= options.threshold)
            }
            scores.append(score)
        }
        guard !scores.isEmpty else { return nil }
        return ConfidenceBasedPerformanceEstimation(scores: scores, predictedPositive: positive,
                                                    threshold: options.threshold)
    }
}
