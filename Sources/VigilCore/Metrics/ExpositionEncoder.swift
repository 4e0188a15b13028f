/// Renders snapshots of metric families as Prometheus text 0.0.4 or OpenMetrics 1.0.0.
///
/// Two passes over the same snapshot: `prepare` adds up an upper bound of the output size from the
/// pre-rendered byte lengths (numbers count as their widest rendering), `write` fills memory. No reallocation,
/// no intermediate strings except for non-integral doubles.
///
/// `write` resumes from a ``Cursor``: it writes whole pieces (a family's metadata, one series with all its
/// lines, the `# EOF` line) while they fit, so the exposition can go out in small chunks, for example straight
/// into a compressor, as well as in one buffer of `maximumSize` bytes.
enum ExpositionEncoder {
    struct Prepared {
        fileprivate var snapshots: [Snapshot]
        fileprivate var headers: [[UInt8]]
        fileprivate var openMetrics: Bool
        /// OpenMetrics `_created` lines are written (series without a creation time have none anyway).
        fileprivate var createdSamples: Bool
        /// The output is at most this many bytes.
        var maximumSize: Int
        /// No piece `write` emits is larger: a chunk of this size always makes progress.
        var largestPiece: Int
    }

    /// Where a chunked write stopped: the next piece to write.
    struct Cursor {
        /// Index into the snapshots; `snapshots.count` once every family is written.
        fileprivate var family = 0
        /// The next series of that family, or -1 when its metadata comes next.
        fileprivate var series = -1
        /// True once the whole exposition (with `# EOF` in OpenMetrics) has been written.
        private(set) var isFinished = false

        fileprivate mutating func finish() { isFinished = true }
    }

    /// The upper bound of one series' lines: `perSeries + perPrefix × prefix + perLabelBlock × label block`,
    /// the same formula for the whole family (computed once per family in `prepare`).
    fileprivate struct Sizing {
        var perSeries: Int
        var perPrefix: Int
        var perLabelBlock: Int

        @inline(__always)
        func bound(prefix: Int, labelBlock: Int) -> Int {
            perSeries &+ perPrefix &* prefix &+ perLabelBlock &* labelBlock
        }
    }

    fileprivate enum Snapshot {
        case counter(CounterFamily, [Counter], Sizing)
        case gauge(GaugeFamily, [Gauge], Sizing)
        case histogram(HistogramFamily, [Histogram], Sizing)
    }

    private static let eof: StaticString = "# EOF\n"

    static func render(_ families: [MetricRegistry.Family], format: ExpositionFormat, createdSamples: Bool) -> [UInt8] {
        let prepared = prepare(families, format: format, createdSamples: createdSamples)
        return [UInt8](unsafeUninitializedCapacity: prepared.maximumSize) { buffer, initialized in
            initialized = write(prepared, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    static func prepare(_ families: [MetricRegistry.Family], format: ExpositionFormat, createdSamples: Bool) -> Prepared {
        let openMetrics = format == .openMetrics
        let created = openMetrics && createdSamples
        var snapshots: [Snapshot] = []
        snapshots.reserveCapacity(families.count)
        var headers: [[UInt8]] = []
        headers.reserveCapacity(families.count)
        let number = ByteWriter.maxNumberWidth
        var bound = eof.utf8CodeUnitCount
        var largest = bound
        /// Adds a family's series to the bound (from the table's totals: no visit to each series) and keeps the
        /// largest piece (a bound too: the longest prefix and label block need not belong to one series).
        func add<S>(_ sizing: Sizing, _ snapshot: SeriesSnapshot<S>) {
            guard !snapshot.series.isEmpty else { return }
            bound &+= snapshot.series.count &* sizing.perSeries &+ sizing.perPrefix &* snapshot.prefixBytes
                &+ sizing.perLabelBlock &* snapshot.labelBlockBytes
            largest = max(largest, sizing.bound(prefix: snapshot.largestPrefix, labelBlock: snapshot.largestLabelBlock))
        }
        for family in families {
            let header: [UInt8]
            switch family {
            case .counter(let f):
                let snapshot = f.table.snapshot
                // The sample: the prefix (or, in OpenMetrics, `name_total` + label block + `} `), the value, `\n`;
                // the `_created` line: its name, the label block, `} `, the timestamp, `\n`.
                let sizing = Sizing(
                    perSeries: (f.openMetricsTotalName.map { $0.count + 2 } ?? 0) + number + 1
                        + (created ? f.createdName.count + 2 + number + 1 : 0),
                    perPrefix: 1, perLabelBlock: created ? 1 : 0)
                snapshots.append(.counter(f, snapshot.series, sizing))
                header = metadata(name: openMetrics ? f.metadataName : f.name, type: "counter", help: f.help,
                                  openMetrics: openMetrics)
                add(sizing, snapshot)
            case .gauge(let f):
                let snapshot = f.table.snapshot
                let sizing = Sizing(perSeries: number + 1, perPrefix: 1, perLabelBlock: 0)
                snapshots.append(.gauge(f, snapshot.series, sizing))
                header = metadata(name: f.name, type: "gauge", help: f.help, openMetrics: openMetrics)
                add(sizing, snapshot)
            case .histogram(let f):
                let snapshot = f.table.snapshot
                let lines = f.bucketSuffixOffsets.count - 1
                // Each bucket line: the prefix, its `le` suffix, the count, `\n`; then `_count`, `_sum` (and
                // `_created`) lines of name, label block, `} `, number, `\n`.
                let tails = f.countName.count + f.sumName.count + 2 * (2 + number + 1)
                    + (created ? f.createdName.count + 2 + number + 1 : 0)
                let sizing = Sizing(perSeries: lines * (number + 1) + f.bucketSuffixBytes.count + tails,
                                    perPrefix: lines, perLabelBlock: created ? 3 : 2)
                snapshots.append(.histogram(f, snapshot.series, sizing))
                header = metadata(name: f.name, type: "histogram", help: f.help, openMetrics: openMetrics)
                add(sizing, snapshot)
            }
            headers.append(header)
            bound &+= header.count
            if header.count > largest { largest = header.count }
        }

        return Prepared(snapshots: snapshots, headers: headers, openMetrics: openMetrics, createdSamples: created,
                        maximumSize: bound, largestPiece: largest)
    }

    /// Writes the whole exposition into `buffer` (at least `prepared.maximumSize` bytes); returns the bytes written.
    static func write(_ prepared: Prepared, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= prepared.maximumSize, "render buffer smaller than the size it was given")
        var cursor = Cursor()
        let written = write(prepared, into: buffer, from: &cursor)
        precondition(cursor.isFinished, "the size bound let a piece overflow")
        return written
    }

    /// Writes whole pieces from `cursor` on while they fit in `buffer` (which must hold at least
    /// `prepared.largestPiece` bytes), advances `cursor` past them and returns the bytes written.
    static func write(_ prepared: Prepared, into buffer: UnsafeMutableRawBufferPointer, from cursor: inout Cursor) -> Int {
        precondition(buffer.count >= prepared.largestPiece, "render chunk smaller than the largest piece")
        guard !cursor.isFinished, let base = buffer.baseAddress else { return 0 }
        var out = ByteWriter(base: base.assumingMemoryBound(to: UInt8.self), capacity: buffer.count)
        let openMetrics = prepared.openMetrics
        let created = prepared.createdSamples
        let snapshots = prepared.snapshots
        while cursor.family < snapshots.count {
            if cursor.series < 0 {
                let header = prepared.headers[cursor.family]
                guard out.room >= header.count else { return out.count }
                out.write(header)
                cursor.series = 0
            }
            switch snapshots[cursor.family] {
            case .counter(let family, let series, let sizing):
                guard writeCounters(family, series, sizing, from: &cursor.series, openMetrics: openMetrics,
                                    created: created, into: &out) else { return out.count }
            case .gauge(_, let series, let sizing):
                guard writeGauges(series, sizing, from: &cursor.series, into: &out) else { return out.count }
            case .histogram(let family, let series, let sizing):
                guard writeHistograms(family, series, sizing, from: &cursor.series, created: created,
                                      into: &out) else { return out.count }
            }
            cursor.family &+= 1
            cursor.series = -1
        }
        if openMetrics {
            guard out.room >= eof.utf8CodeUnitCount else { return out.count }
            out.write(eof)
        }
        cursor.finish()
        return out.count
    }

    /// `# HELP` then `# TYPE` in Prometheus text (its convention); `# TYPE` then `# HELP` in OpenMetrics
    /// (the order it recommends). An empty help omits the HELP line.
    private static func metadata(name: String, type: StaticString, help: String, openMetrics: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(2 * name.utf8.count + help.utf8.count + 32)
        var helpLine: [UInt8] = []
        if !help.isEmpty {
            helpLine.append(contentsOf: "# HELP ".utf8)
            helpLine.append(contentsOf: name.utf8)
            helpLine.append(UInt8(ascii: " "))
            MetricText.appendEscapedHelp(help, openMetrics: openMetrics, to: &helpLine)
            helpLine.append(UInt8(ascii: "\n"))
        }
        if !openMetrics { out.append(contentsOf: helpLine) }
        out.append(contentsOf: "# TYPE ".utf8)
        out.append(contentsOf: name.utf8)
        out.append(UInt8(ascii: " "))
        type.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\n"))
        if openMetrics { out.append(contentsOf: helpLine) }
        return out
    }

    /// Writes `prefix[block]` + `} `, or a single space when the series has no labels.
    @inline(__always)
    private static func closeLabels(_ prefix: UnsafeBufferPointer<UInt8>, _ block: Range<Int>, into out: inout ByteWriter) {
        if !block.isEmpty {
            out.write(UnsafeBufferPointer(rebasing: prefix[block]))
            out.write("} ")
        } else {
            out.write(UInt8(ascii: " "))
        }
    }

    // Each family writer starts at `index`, writes series while they fit and returns true when it reached the
    // family's end (false: the chunk is full, `index` is the next series).

    private static func writeGauges(_ series: [Gauge], _ sizing: Sizing, from index: inout Int,
                                    into out: inout ByteWriter) -> Bool {
        while index < series.count {
            let s = series[index]
            guard out.room >= sizing.bound(prefix: s.samplePrefix.count, labelBlock: 0) else { return false }
            out.write(s.samplePrefix)
            out.write(s.value)
            out.write(UInt8(ascii: "\n"))
            index &+= 1
        }
        return true
    }

    private static func writeCounters(_ family: CounterFamily, _ series: [Counter], _ sizing: Sizing,
                                      from index: inout Int, openMetrics: Bool, created: Bool,
                                      into out: inout ByteWriter) -> Bool {
        let totalName = openMetrics ? family.openMetricsTotalName : nil
        while index < series.count {
            let s = series[index]
            guard out.room >= sizing.bound(prefix: s.samplePrefix.count, labelBlock: s.labelBlock.count) else {
                return false
            }
            s.samplePrefix.withUnsafeBufferPointer { prefix in
                if let totalName {
                    out.write(totalName)
                    closeLabels(prefix, s.labelBlock, into: &out)
                } else {
                    out.write(prefix)
                }
                out.write(s.value)
                out.write(UInt8(ascii: "\n"))
                if created, !s.created.isNaN {
                    out.write(family.createdName)
                    closeLabels(prefix, s.labelBlock, into: &out)
                    writeTimestamp(s.created, into: &out)
                    out.write(UInt8(ascii: "\n"))
                }
            }
            index &+= 1
        }
        return true
    }

    private static func writeHistograms(_ family: HistogramFamily, _ series: [Histogram], _ sizing: Sizing,
                                        from index: inout Int, created: Bool, into out: inout ByteWriter) -> Bool {
        let lines = family.bucketSuffixOffsets.count - 1
        return family.bucketSuffixBytes.withUnsafeBufferPointer { suffixBytes in
            family.bucketSuffixOffsets.withUnsafeBufferPointer { offsets in
                while index < series.count {
                    let s = series[index]
                    guard out.room >= sizing.bound(prefix: s.bucketPrefix.count, labelBlock: s.labelBlock.count) else {
                        return false
                    }
                    s.bucketPrefix.withUnsafeBufferPointer { prefix in
                        // Format under the series' lock: buckets, count and sum come from the same instant, so
                        // the `+Inf` bucket always equals `_count`. The lock is held for a few hundred nanoseconds.
                        s.state.withLock { state in
                            state.counts.withUnsafeBufferPointer { counts in
                                var cumulative: UInt64 = 0
                                for i in 0..<lines {
                                    cumulative &+= counts[i]
                                    out.write(prefix)
                                    out.write(UnsafeBufferPointer(rebasing: suffixBytes[offsets[i]..<offsets[i &+ 1]]))
                                    out.write(cumulative)
                                    out.write(UInt8(ascii: "\n"))
                                }
                            }
                            out.write(family.countName)
                            closeLabels(prefix, s.labelBlock, into: &out)
                            out.write(state.count)
                            out.write(UInt8(ascii: "\n"))
                            out.write(family.sumName)
                            closeLabels(prefix, s.labelBlock, into: &out)
                            out.write(state.sum)
                            out.write(UInt8(ascii: "\n"))
                        }
                        if created, !s.created.isNaN {
                            out.write(family.createdName)
                            closeLabels(prefix, s.labelBlock, into: &out)
                            writeTimestamp(s.created, into: &out)
                            out.write(UInt8(ascii: "\n"))
                        }
                    }
                    index &+= 1
                }
                return true
            }
        }
    }

    /// A timestamp always as a float with a point (OpenMetrics reads integers as such, both are valid) and
    /// never in exponent form, which loses sub-second precision for unix times.
    private static func writeTimestamp(_ seconds: Double, into out: inout ByteWriter) {
        if seconds == seconds.rounded(.towardZero), seconds.magnitude < 1e15 {
            out.write(seconds)
            out.write(".0")
        } else {
            out.write(seconds)
        }
    }
}
