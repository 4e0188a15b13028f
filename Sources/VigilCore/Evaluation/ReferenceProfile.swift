/// What a model's reference data looked like: the baseline for drift tests and accuracy decay.
///
/// Built once from a reference data set (`vigil profile build`), stored as JSON, loaded by the agent.
/// Numeric features keep quantile bin edges with counts, moments and a sorted sketch of at most
/// ``NumericProfile/sketchSize`` order statistics (enough for KS and Wasserstein against a live window);
/// categorical features keep their top-K categories plus an `other` count.
///
/// ```swift
/// let profile = ReferenceProfile.build(model: "fraud", dataset: data, roles: roles, bins: 10, topK: 20)
/// profile.feature("amount")?.numeric?.binEdges
/// ```
public struct ReferenceProfile: Sendable, Hashable, Codable {
    /// Bumped when the JSON shape changes incompatibly.
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var model: String
    public var task: ModelTask?
    public var rowCount: Int
    public var roles: DatasetRoles
    public var features: [FeatureProfile]
    /// Distribution of the positive-class score, when a score column is present.
    public var score: NumericProfile?
    /// Distribution of predicted classes (classification) …
    public var predictionClasses: CategoricalProfile?
    /// … or of predicted values (regression).
    public var predictionValues: NumericProfile?
    /// Realised quality on the reference data, when labels are present (metric name → value).
    public var quality: [String: Double]?

    public init(formatVersion: Int = ReferenceProfile.currentFormatVersion, model: String, task: ModelTask?,
                rowCount: Int, roles: DatasetRoles, features: [FeatureProfile], score: NumericProfile? = nil,
                predictionClasses: CategoricalProfile? = nil, predictionValues: NumericProfile? = nil,
                quality: [String: Double]? = nil) {
        self.formatVersion = formatVersion
        self.model = model
        self.task = task
        self.rowCount = rowCount
        self.roles = roles
        self.features = features
        self.score = score
        self.predictionClasses = predictionClasses
        self.predictionValues = predictionValues
        self.quality = quality
    }

    public func feature(_ name: String) -> FeatureProfile? { features.first { $0.name == name } }

    /// Builds a profile of `dataset`. `bins` quantile bins per numeric feature (default 10), `topK` categories
    /// per categorical feature (default 20). `task` is inferred when `nil` (see ``ModelTask/infer(dataset:roles:)``).
    public static func build(model: String, dataset: Dataset, roles: DatasetRoles, task: ModelTask? = nil,
                             bins: Int = 10, topK: Int = 20) -> ReferenceProfile {
        let features = roles.featureNames(in: dataset).map { name in
            FeatureProfile(name: name, values: dataset.column(name)!, bins: bins, topK: topK)
        }
        let task = task ?? ModelTask.infer(dataset: dataset, roles: roles)
        var profile = ReferenceProfile(model: model, task: task, rowCount: dataset.rowCount, roles: roles,
                                       features: features)
        if let s = roles.scoreColumn.flatMap(dataset.column), case .numeric(let values) = s {
            profile.score = NumericProfile(values: values, bins: bins)
        }
        if let p = roles.predictionColumn.flatMap(dataset.column) {
            if task == .regression, let numbers = p.numbers {
                profile.predictionValues = NumericProfile(values: numbers, bins: bins)
            } else {
                profile.predictionClasses = CategoricalProfile(values: p.texts, topK: topK)
            }
        }
        if let task, let quality = ModelQuality.compute(dataset: dataset, roles: roles, task: task) {
            profile.quality = Dictionary(quality.namedValues.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        }
        return profile
    }
}

/// The profile of one feature: numeric or categorical.
public struct FeatureProfile: Sendable, Hashable, Codable {
    public var name: String
    public var numeric: NumericProfile?
    public var categorical: CategoricalProfile?

    public init(name: String, values: ColumnValues, bins: Int = 10, topK: Int = 20) {
        self.name = name
        switch values {
        case .numeric(let v): numeric = NumericProfile(values: v, bins: bins)
        case .categorical(let v): categorical = CategoricalProfile(values: v, topK: topK)
        }
    }
}

/// Distribution summary of a numeric column.
///
/// `binEdges` are the `bins + 1` quantiles at 0, 1/bins, …, 1 (NumPy's default linear interpolation), with
/// repeated edges merged, so there may be fewer bins. Bin `i` holds `[edge i, edge i+1)`, the last bin is
/// closed; ``binIndex(of:)`` puts values outside the reference range into the outer bins. `std` is the sample
/// standard deviation (n − 1).
public struct NumericProfile: Sendable, Hashable, Codable {
    /// Maximum number of order statistics kept in `sketch`.
    public static let sketchSize = 1000

    public var count: Int
    public var missing: Int
    public var missingRate: Double
    public var mean: Double
    public var std: Double
    public var min: Double
    public var max: Double
    public var binEdges: [Double]
    public var binCounts: [Int]
    /// Sorted, evenly spaced order statistics of the values (all of them when there are few).
    public var sketch: [Double]

    public init(values: [Double], bins: Int = 10) {
        precondition(bins > 0, "bins must be positive")
        var sorted = values.filter { !$0.isNaN }
        sorted.sort()
        count = sorted.count
        missing = values.count - sorted.count
        missingRate = values.isEmpty ? 0 : Double(missing) / Double(values.count)
        var mean = 0.0, m2 = 0.0
        for (i, x) in sorted.enumerated() {
            let delta = x - mean
            mean += delta / Double(i + 1)
            m2 += delta * (x - mean)
        }
        self.mean = mean
        std = sorted.count > 1 ? (m2 / Double(sorted.count - 1)).squareRoot() : 0
        min = sorted.first ?? .nan
        max = sorted.last ?? .nan
        guard !sorted.isEmpty else {
            binEdges = []; binCounts = []; sketch = []
            return
        }
        var edges: [Double] = []
        for i in 0...bins {
            let q = NumericProfile.quantile(sorted: sorted, Double(i) / Double(bins))
            if edges.last != q { edges.append(q) }
        }
        if edges.count == 1 { edges.append(edges[0]) }   // a constant column: one closed bin [x, x]
        binEdges = edges
        binCounts = [Int](repeating: 0, count: edges.count - 1)
        sketch = []
        for x in sorted { binCounts[binIndex(of: x)] += 1 }
        sketch = NumericProfile.orderStatistics(sorted: sorted, count: NumericProfile.sketchSize)
    }

    /// The bin of `x`; values below the first edge fall in bin 0, above the last in the last bin.
    public func binIndex(of x: Double) -> Int {
        // Count interior edges ≤ x (binary search).
        var lo = 1, hi = binEdges.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if binEdges[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo - 1
    }

    /// Counts `values` (missing ones skipped) into this profile's bins.
    public func binCounts(of values: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: binCounts.count)
        guard !counts.isEmpty else { return counts }
        for x in values where !x.isNaN { counts[binIndex(of: x)] += 1 }
        return counts
    }

    /// NumPy's default (`linear`) quantile of sorted values.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty, "quantile of nothing")
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// At most `count` evenly spaced order statistics of sorted values, first and last included.
    public static func orderStatistics(sorted: [Double], count: Int) -> [Double] {
        guard sorted.count > count, count > 1 else { return sorted }
        return (0..<count).map { i in sorted[Int((Double(i) * Double(sorted.count - 1) / Double(count - 1)).rounded())] }
    }
}

/// Category frequencies of a categorical column: the top K plus `other`.
public struct CategoricalProfile: Sendable, Hashable, Codable {
    public struct Category: Sendable, Hashable, Codable {
        public var value: String
        public var count: Int
    }

    public var count: Int
    public var missing: Int
    public var missingRate: Double
    /// Most frequent first; ties by value, so the order is stable.
    public var categories: [Category]
    /// Observations of categories beyond the top K.
    public var otherCount: Int

    public init(values: [String?], topK: Int = 20) {
        var counts: [String: Int] = [:]
        var missing = 0
        for v in values {
            if let v { counts[v, default: 0] += 1 } else { missing += 1 }
        }
        self.missing = missing
        count = values.count - missing
        missingRate = values.isEmpty ? 0 : Double(missing) / Double(values.count)
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        categories = ranked.prefix(topK).map { Category(value: $0.key, count: $0.value) }
        otherCount = ranked.dropFirst(topK).reduce(0) { $0 + $1.value }
    }

    /// Frequencies of `values` over this profile's categories, with everything else in a final `other` slot.
    public func counts(of values: [String?]) -> [Int] {
        var slot: [String: Int] = [:]
        for (i, c) in categories.enumerated() { slot[c.value] = i }
        var out = [Int](repeating: 0, count: categories.count + 1)
        for v in values {
            guard let v else { continue }
            out[slot[v] ?? categories.count] += 1
        }
        return out
    }

    /// The reference counts in the same layout as ``counts(of:)``.
    public var referenceCounts: [Int] { categories.map(\.count) + [otherCount] }
}

extension ColumnValues {
    /// All values as text (numbers canonicalised), missing as `nil`.
    public var texts: [String?] {
        switch self {
        case .categorical(let v): return v
        case .numeric(let v): return v.map { $0.isNaN ? nil : ColumnValues.canonicalText($0) }
        }
    }

    /// All values as numbers when the column is numeric.
    public var numbers: [Double]? {
        if case .numeric(let v) = self { return v }
        return nil
    }
}

extension ModelTask {
    /// Infers the task: a score column means binary classification; numeric predictions that are not all
    /// small integers mean regression; otherwise classification, binary when at most two classes occur.
    /// `nil` when neither a label nor a prediction column is present.
    public static func infer(dataset: Dataset, roles: DatasetRoles) -> ModelTask? {
        if roles.scoreColumn.flatMap(dataset.column) != nil { return .binaryClassification }
        let columns = [roles.labelColumn, roles.predictionColumn].compactMap { $0.flatMap(dataset.column) }
        guard !columns.isEmpty else { return nil }
        var classes = Set<String>()
        for column in columns {
            if let numbers = column.numbers,
               numbers.contains(where: { !$0.isNaN && ($0 != $0.rounded() || abs($0) > 1000) }) {
                return .regression
            }
            for t in column.texts { if let t { classes.insert(t) } }
        }
        if columns.allSatisfy({ $0.numbers != nil }), classes.count > 20 { return .regression }
        return classes.count <= 2 ? .binaryClassification : .multiclassClassification
    }
}

extension ModelQuality {
    /// Quality of the rows of `dataset` that have both a label and a prediction (a score too, when a score
    /// column is set). When the prediction column is missing but a score is present, the prediction is
    /// `score ≥ 0.5`. `nil` when there is no label column or no labelled row.
    public static func compute(dataset: Dataset, roles: DatasetRoles, task: ModelTask,
                               threshold: Double = 0.5) -> ModelQuality? {
        guard let label = roles.labelColumn.flatMap(dataset.column) else { return nil }
        let prediction = roles.predictionColumn.flatMap(dataset.column)
        let score = roles.scoreColumn.flatMap(dataset.column)
        guard prediction != nil || score != nil else { return nil }
        var actual: [String] = [], predicted: [String] = [], scores: [Double] = []
        let negative = task == .binaryClassification ? negativeClass(dataset: dataset, roles: roles) : "0"
        for row in 0..<dataset.rowCount {
            guard let a = label.text(at: row) else { continue }
            let s = score?.number(at: row)
            let p: String?
            if let prediction { p = prediction.text(at: row) } else {
                p = s.map { $0 >= threshold ? roles.positiveClass : negative }
            }
            guard let p else { continue }
            if score != nil {
                guard let s else { continue }
                scores.append(s)
            }
            actual.append(a)
            predicted.append(p)
        }
        guard !actual.isEmpty else { return nil }
        return ModelQuality(task: task, actual: actual, predicted: predicted, scores: score == nil ? nil : scores,
                            positiveClass: roles.positiveClass)
    }

    /// The class of a binary problem that is not the positive one ("0" when none is seen).
    static func negativeClass(dataset: Dataset, roles: DatasetRoles) -> String {
        for column in [roles.labelColumn, roles.predictionColumn].compactMap({ $0.flatMap(dataset.column) }) {
            for t in column.texts { if let t, t != roles.positiveClass { return t } }
        }
        return "0"
    }
}
