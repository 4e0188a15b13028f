/// The values of one column of a tabular data set.
public enum ColumnValues: Sendable, Equatable {
    /// Numbers; `Double.nan` marks a missing value.
    case numeric([Double])
    /// Strings; `nil` marks a missing value.
    case categorical([String?])

    public var count: Int {
        switch self {
        case .numeric(let v): v.count
        case .categorical(let v): v.count
        }
    }

    /// The value at `row` as text (`nil` when missing): how labels and predictions are compared.
    public func text(at row: Int) -> String? {
        switch self {
        case .numeric(let v):
            let x = v[row]
            return x.isNaN ? nil : ColumnValues.canonicalText(x)
        case .categorical(let v):
            return v[row]
        }
    }

    /// The value at `row` as a number (`nil` when missing or not numeric).
    public func number(at row: Int) -> Double? {
        switch self {
        case .numeric(let v): v[row].isNaN ? nil : v[row]
        case .categorical(let v): v[row].flatMap(Double.init)
        }
    }

    /// Integral numbers print without a fractional part, so a label `1` and a prediction `1.0` agree.
    public static func canonicalText(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }
}

/// A column-oriented table read from CSV or NDJSON: what profiles and `vigil evaluate` work on.
///
/// ```swift
/// let data = Dataset(columns: [("age", .numeric([31, 45])), ("country", .categorical(["DE", nil]))])
/// data.rowCount   // 2
/// ```
public struct Dataset: Sendable {
    public var names: [String]
    public var columns: [ColumnValues]

    public init(columns: [(String, ColumnValues)]) {
        names = columns.map(\.0)
        self.columns = columns.map(\.1)
    }

    public var rowCount: Int { columns.first?.count ?? 0 }

    public func column(_ name: String) -> ColumnValues? {
        names.firstIndex(of: name).map { columns[$0] }
    }
}

/// Which columns of a data set are the model's label, prediction, score and segment; the rest are features.
public struct DatasetRoles: Sendable, Hashable, Codable {
    public var labelColumn: String?
    public var predictionColumn: String?
    /// The positive-class probability of a binary classifier.
    public var scoreColumn: String?
    public var segmentColumn: String?
    /// Columns that are neither features nor roles (ids, timestamps).
    public var ignoredColumns: [String]
    /// The positive class of a binary classifier (as text).
    public var positiveClass: String

    public init(labelColumn: String? = nil, predictionColumn: String? = nil, scoreColumn: String? = nil,
                segmentColumn: String? = nil, ignoredColumns: [String] = [], positiveClass: String = "1") {
        self.labelColumn = labelColumn
        self.predictionColumn = predictionColumn
        self.scoreColumn = scoreColumn
        self.segmentColumn = segmentColumn
        self.ignoredColumns = ignoredColumns
        self.positiveClass = positiveClass
    }

    /// Names of the feature columns of `dataset`, in column order.
    public func featureNames(in dataset: Dataset) -> [String] {
        let taken = Set([labelColumn, predictionColumn, scoreColumn, segmentColumn].compactMap { $0} + ignoredColumns)
        return dataset.names.filter { !taken.contains($0) }
    }
}
