/// Counts of (actual, predicted) class pairs: the mergeable truth behind every classification metric.
///
/// Invariants: `classes` holds each class once, in first-seen order; `count(actual:predicted:)` is never negative
/// when `remove` is only called for pairs that were added.
///
/// ```swift
/// var matrix = ConfusionMatrix()
/// matrix.add(actual: "1", predicted: "0")
/// matrix.count(actual: "1", predicted: "0")   // 1
/// ```
public struct ConfusionMatrix: Sendable, Hashable, Codable {
    /// Every class seen as an actual or a predicted value, in first-seen order.
    public private(set) var classes: [String] = []
    private var index: [String: Int] = [:]
    /// `cells[actual][predicted]`.
    private var cells: [[Int]] = []
    /// Number of (actual, predicted) pairs counted.
    public private(set) var total: Int = 0

    public init() {}

    /// Creates a matrix that already knows `classes` (so they appear even with no observations).
    public init(classes: [String]) {
        for name in classes { _ = slot(name) }
    }

    /// Counts one (or `count`) observations of `actual` predicted as `predicted`.
    public mutating func add(actual: String, predicted: String, count: Int = 1) {
        let a = slot(actual)
        let p = slot(predicted)
        cells[a][p] += count
        total += count
    }

    /// Removes observations counted earlier (used by count/time windows).
    public mutating func remove(actual: String, predicted: String, count: Int = 1) {
        guard let a = index[actual], let p = index[predicted] else { return }
        cells[a][p] -= count
        total -= count
    }

    /// Adds every cell of `other` (matrices from several agents or windows sum).
    public mutating func merge(_ other: ConfusionMatrix) {
        for (a, actual) in other.classes.enumerated() {
            for (p, predicted) in other.classes.enumerated() where other.cells[a][p] != 0 {
                add(actual: actual, predicted: predicted, count: other.cells[a][p])
            }
        }
    }

    /// Observations of `actual` predicted as `predicted`.
    public func count(actual: String, predicted: String) -> Int {
        guard let a = index[actual], let p = index[predicted] else { return 0 }
        return cells[a][p]
    }

    /// Observations whose actual class is `name` (the class's support).
    public func actualCount(_ name: String) -> Int {
        guard let a = index[name] else { return 0 }
        return cells[a].reduce(0, +)
    }

    /// Observations predicted as `name`.
    public func predictedCount(_ name: String) -> Int {
        guard let p = index[name] else { return 0 }
        var sum = 0
        for row in cells { sum += row[p] }
        return sum
    }

    /// Observations on the diagonal.
    public var correct: Int {
        var sum = 0
        for i in 0..<classes.count { sum += cells[i][i] }
        return sum
    }

    private mutating func slot(_ name: String) -> Int {
        if let i = index[name] { return i }
        let i = classes.count
        classes.append(name)
        index[name] = i
        for r in 0..<cells.count { cells[r].append(0) }
        cells.append([Int](repeating: 0, count: i + 1))
        return i
    }
}
