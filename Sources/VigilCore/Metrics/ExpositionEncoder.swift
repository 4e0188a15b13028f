/// Renders snapshots of metric families as Prometheus text 0.0.4 or OpenMetrics 1.0.0.
///
/// Two passes over the same snapshot: `prepare` adds up an upper bound of the output size from the
/// pre-rendered byte lengths (numbers count as their widest rendering), `write` fills memory of that size.
/// No reallocation, no intermediate strings except for non-integral doubles.
enum ExpositionEncoder {
    struct Prepared {
        fileprivate var snapshots: [Snapshot]
        fileprivate var headers: [[UInt8]]
        fileprivate var openMetrics: Bool
        /// The output is at most this many bytes.
        var maximumSize: Int
    }

    fileprivate enum Snapshot {
        case counter(CounterFamily, [Counter])
        case gauge(GaugeFamily, [Gauge])
        case histogram(HistogramFamily, [Histogram])
    }

    static func render(_ families: [MetricRegistry.Family], format: ExpositionFormat) -> [UInt8] {
        let prepared = prepare(families, format: format)
        return [UInt8](unsafeUninitializedCapacity: prepared.maximumSize) { buffer, initialized in
            initialized = write(prepared, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    static func prepare(_ families: [MetricRegistry.Family], format: ExpositionFormat) -> Prepared {
        let openMetrics = format == .openMetrics
        var snapshots: [Snapshot] = []
        snapshots.reserveCapacity(families.count)
        var headers: [[UInt8]] = []
        headers.reserveCapacity(families.count)
        let number = ByteWriter.maxNumberWidth
        var bound = 16 // "# EOF\n"
        for family in families {
            let header: [UInt8]
            switch family {
            case .counter(let f):
                let series = f.table.snapshot
                snapshots.append(.counter(f, series))
                header = metadata(name: openMetrics ? f.metadataName : f.name, type: "counter", help: f.help,
                                  openMetrics: openMetrics)
                let created = f.createdName.count + 2 + number + 1
                let omName = f.openMetricsTotalName.map { $0.count + 2 } ?? 0
                for s in series {
                    bound &+= s.samplePrefix.count &+ omName &+ number &+ 1
                    if openMetrics { bound &+= created &+ s.labelBlock.count }
                }
            case .gauge(let f):
                let series = f.table.snapshot
                snapshots.append(.gauge(f, series))
                header = metadata(name: f.name, type: "gauge", help: f.help, openMetrics: openMetrics)
                for s in series { bound &+= s.samplePrefix.count &+ number &+ 1 }
            case .histogram(let f):
                let series = f.table.snapshot
                snapshots.append(.histogram(f, series))
                header = metadata(name: f.name, type: "histogram", help: f.help, openMetrics: openMetrics)
                let suffixes = f.bucketSuffixBytes.count
                let lines = f.bucketSuffixOffsets.count - 1
                let tails = f.countName.count + f.sumName.count + 2 * (2 + number + 1)
                    + (openMetrics ? f.createdName.count + 2 + number + 1 : 0)
                for s in series {
                    bound &+= lines &* (s.bucketPrefix.count &+ number &+ 1) &+ suffixes
                    bound &+= tails &+ (openMetrics ? 3 : 2) &* s.labelBlock.count
                }
            }
            headers.append(header)
            bound &+= header.count
        }

        return Prepared(snapshots: snapshots, headers: headers, openMetrics: openMetrics, maximumSize: bound)
    }

    /// Writes the exposition into `buffer` (at least `prepared.maximumSize` bytes); returns the bytes written.
    static func write(_ prepared: Prepared, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= prepared.maximumSize, "render buffer smaller than the size it was given")
        let openMetrics = prepared.openMetrics
        guard let base = buffer.baseAddress else { return 0 }
        var out = ByteWriter(base: base.assumingMemoryBound(to: UInt8.self), capacity: buffer.count)
        do {
            for (snapshot, header) in zip(prepared.snapshots, prepared.headers) {
                out.write(header)
                switch snapshot {
                case .counter(let family, let series):
                    writeCounters(family, series, openMetrics: openMetrics, into: &out)
                case .gauge(_, let series):
                    for s in series {
                        out.write(s.samplePrefix)
                        out.write(s.value)
                        out.write(UInt8(ascii: "\n"))
                    }
                case .histogram(let family, let series):
                    writeHistograms(family, series, openMetrics: openMetrics, into: &out)
                }
            }
            if openMetrics { out.write("# EOF\n") }
        }
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

    private static func writeCounters(_ family: CounterFamily, _ series: [Counter], openMetrics: Bool,
                                      into out: inout ByteWriter) {
        for s in series {
            s.samplePrefix.withUnsafeBufferPointer { prefix in
                if openMetrics, let totalName = family.openMetricsTotalName {
                    out.write(totalName)
                    closeLabels(prefix, s.labelBlock, into: &out)
                } else {
                    out.write(prefix)
                }
                out.write(s.value)
                out.write(UInt8(ascii: "\n"))
                if openMetrics, !s.created.isNaN {
                    out.write(family.createdName)
                    closeLabels(prefix, s.labelBlock, into: &out)
                    writeTimestamp(s.created, into: &out)
                    out.write(UInt8(ascii: "\n"))
                }
            }
        }
    }

    private static func writeHistograms(_ family: HistogramFamily, _ series: [Histogram], openMetrics: Bool,
                                        into out: inout ByteWriter) {
        let lines = family.bucketSuffixOffsets.count - 1
        family.bucketSuffixBytes.withUnsafeBufferPointer { suffixBytes in
            family.bucketSuffixOffsets.withUnsafeBufferPointer { offsets in
                for s in series {
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
                        if openMetrics, !s.created.isNaN {
                            out.write(family.createdName)
                            closeLabels(prefix, s.labelBlock, into: &out)
                            writeTimestamp(s.created, into: &out)
                            out.write(UInt8(ascii: "\n"))
                        }
                    }
                }
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
