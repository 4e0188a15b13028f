/// A counter and its label names; `labels(...)` returns the series for one set of label values.
///
/// In Prometheus text the samples carry the registered name; in OpenMetrics the family is named without
/// `_total` and its samples with it, so register counters with a `_total` suffix to get the same sample name
/// in both formats.
public final class CounterFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    let table: SeriesTable<Counter>
    /// Name used in OpenMetrics TYPE/HELP lines (the registered name without `_total`).
    let metadataName: String
    /// `<metadataName>_created`.
    let createdName: [UInt8]
    /// `<name>_total` when the registered name lacks the suffix (OpenMetrics needs it); nil otherwise.
    let openMetricsTotalName: [UInt8]?

    init(name: String, help: String, labelNames: [String], limit: Int,
         clock: (@Sendable () -> Double)?, onOverflow: (@Sendable () -> Void)?) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        let base = name.hasSuffix("_total") ? String(name.dropLast(6)) : name
        metadataName = base
        createdName = Array((base + "_created").utf8)
        openMetricsTotalName = name.hasSuffix("_total") ? nil : Array((name + "_total").utf8)
        let sampleName = Array(name.utf8)
        table = SeriesTable(name: name, labelNames: labelNames, limit: limit, onOverflow: onOverflow) { values in
            let (prefix, block) = MetricText.seriesPrefix(name: sampleName, labelNames: labelNames, values: values,
                                                          ending: "} ", bareEnding: " ")
            return Counter(labelValues: values, samplePrefix: prefix, labelBlock: block, created: clock?() ?? .nan)
        }
    }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: String...) -> Counter { table.lookup(values) }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: [String]) -> Counter { table.lookup(values) }

    /// Number of series, including the `other` overflow series once it exists.
    public var seriesCount: Int { table.count }
}

/// A gauge and its label names; `labels(...)` returns the series for one set of label values.
public final class GaugeFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    let table: SeriesTable<Gauge>

    init(name: String, help: String, labelNames: [String], limit: Int, onOverflow: (@Sendable () -> Void)?) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        let sampleName = Array(name.utf8)
        table = SeriesTable(name: name, labelNames: labelNames, limit: limit, onOverflow: onOverflow) { values in
            let (prefix, _) = MetricText.seriesPrefix(name: sampleName, labelNames: labelNames, values: values,
                                                      ending: "} ", bareEnding: " ")
            return Gauge(labelValues: values, samplePrefix: prefix)
        }
    }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: String...) -> Gauge { table.lookup(values) }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: [String]) -> Gauge { table.lookup(values) }

    /// Number of series, including the `other` overflow series once it exists.
    public var seriesCount: Int { table.count }
}

/// A histogram with fixed bucket upper bounds; `labels(...)` returns the series for one set of label values.
public final class HistogramFamily: Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    /// Finite upper bounds, strictly increasing; `+Inf` is implicit.
    public let buckets: [Double]
    let table: SeriesTable<Histogram>
    /// `0.005"} ` … `+Inf"} `: the end of each bucket line after the series' `bucketPrefix`, all in one array
    /// (bucket `i` is `bucketSuffixBytes[bucketSuffixOffsets[i]..<bucketSuffixOffsets[i + 1]]`) so a render
    /// touches one buffer instead of retaining one array per line.
    let bucketSuffixBytes: [UInt8]
    let bucketSuffixOffsets: [Int]
    let countName: [UInt8]
    let sumName: [UInt8]
    let createdName: [UInt8]

    init(name: String, help: String, labelNames: [String], buckets: [Double], limit: Int,
         clock: (@Sendable () -> Double)?, onOverflow: (@Sendable () -> Void)?) {
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.buckets = buckets
        var suffixBytes: [UInt8] = []
        var suffixOffsets = [0]
        for bound in buckets + [.infinity] {
            suffixBytes.append(contentsOf: (MetricText.canonicalNumber(bound) + "\"} ").utf8)
            suffixOffsets.append(suffixBytes.count)
        }
        bucketSuffixBytes = suffixBytes
        bucketSuffixOffsets = suffixOffsets
        countName = Array((name + "_count").utf8)
        sumName = Array((name + "_sum").utf8)
        createdName = Array((name + "_created").utf8)
        let bucketName = Array((name + "_bucket").utf8)
        table = SeriesTable(name: name, labelNames: labelNames, limit: limit, onOverflow: onOverflow) { values in
            let (prefix, block) = MetricText.seriesPrefix(name: bucketName, labelNames: labelNames, values: values,
                                                          ending: ",le=\"", bareEnding: "{le=\"")
            return Histogram(upperBounds: buckets, labelValues: values, bucketPrefix: prefix, labelBlock: block,
                             created: clock?() ?? .nan)
        }
    }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: String...) -> Histogram { table.lookup(values) }

    /// The series for these label values (in `labelNames` order).
    public func labels(_ values: [String]) -> Histogram { table.lookup(values) }

    /// Number of series, including the `other` overflow series once it exists.
    public var seriesCount: Int { table.count }
}
