/// One family of a registry snapshot: its samples as sample name, labels and value, the way the Prometheus
/// text exposition would show them (counters as `name`, histograms as `name_bucket` with `le`, `name_sum`,
/// `name_count`).
public struct MetricFamilySnapshot: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case counter, gauge, histogram
    }

    /// One sample. `labels` are sorted by name and never contain `__name__`.
    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [MetricLabel]
        public var value: Double

        public init(name: String, labels: [MetricLabel], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    public var name: String
    public var help: String
    public var kind: Kind
    public var samples: [Sample]
}

/// A label name and value.
public struct MetricLabel: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension MetricRegistry {
    /// Every family's current samples, for senders that push instead of being scraped (remote write).
    /// Collectors run first, as for a render; values are read atomically series by series, so one histogram's
    /// buckets, sum and count agree with each other. Bucket bounds are written as `/metrics` writes them
    /// (`0.005`, `+Inf`), so a pushed series and a scraped one are the same series.
    public func snapshot() -> [MetricFamilySnapshot] {
        prepareFamiliesForSnapshot().map { family in
            switch family {
            case .counter(let f):
                let order = Self.sortedOrder(f.labelNames)
                let samples = f.table.snapshot.series.map { series in
                    MetricFamilySnapshot.Sample(name: f.name, labels: Self.labels(f.labelNames, series.labelValues, order),
                                                value: series.value)
                }
                return MetricFamilySnapshot(name: f.name, help: f.help, kind: .counter, samples: samples)
            case .gauge(let f):
                let order = Self.sortedOrder(f.labelNames)
                let samples = f.table.snapshot.series.map { series in
                    MetricFamilySnapshot.Sample(name: f.name, labels: Self.labels(f.labelNames, series.labelValues, order),
                                                value: series.value)
                }
                return MetricFamilySnapshot(name: f.name, help: f.help, kind: .gauge, samples: samples)
            case .histogram(let f):
                let order = Self.sortedOrder(f.labelNames)
                let bounds = (f.buckets + [.infinity]).map(MetricText.canonicalNumber)
                let bucketName = f.name + "_bucket", sumName = f.name + "_sum", countName = f.name + "_count"
                var samples: [MetricFamilySnapshot.Sample] = []
                let series = f.table.snapshot.series
                samples.reserveCapacity(series.count * (bounds.count + 2))
                for histogram in series {
                    let base = Self.labels(f.labelNames, histogram.labelValues, order)
                    // `le` goes where its name sorts among the others.
                    let position = base.firstIndex { $0.name > "le" } ?? base.count
                    let (counts, sum, count) = histogram.state.withLock { state -> ([UInt64], Double, UInt64) in
                        var running: UInt64 = 0
                        return (state.counts.map { running &+= $0; return running }, state.sum, state.count)
                    }
                    for (i, bound) in bounds.enumerated() {
                        var labels = base
                        labels.insert(MetricLabel(name: "le", value: bound), at: position)
                        samples.append(.init(name: bucketName, labels: labels, value: Double(counts[i])))
                    }
                    samples.append(.init(name: sumName, labels: base, value: sum))
                    samples.append(.init(name: countName, labels: base, value: Double(count)))
                }
                return MetricFamilySnapshot(name: f.name, help: f.help, kind: .histogram, samples: samples)
            }
        }
    }

    private static func sortedOrder(_ names: [String]) -> [Int] {
        names.indices.sorted { names[$0] < names[$1] }
    }

    private static func labels(_ names: [String], _ values: [String], _ order: [Int]) -> [MetricLabel] {
        order.map { MetricLabel(name: names[$0], value: values[$0]) }
    }
}
