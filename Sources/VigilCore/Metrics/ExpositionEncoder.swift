/// Renders snapshots of metric families as Prometheus text 0.0.4 or OpenMetrics 1.0.0.
///
/// Two passes over the same snapshot: the first adds up an upper bound of the output size from the
/// pre-rendered byte lengths (numbers count as their widest rendering), the second writes into an array of
/// exactly that capacity. No reallocation, no intermediate strings except for non-integral doubles.
enum ExpositionEncoder {
    private enum Snapshot {
        case counter(CounterFamily, [Counter])
        case gauge(GaugeFamily, [Gauge])
        case histogram(HistogramFamily, [Histogram])
    }

    static func render(_ families: [MetricRegistry.Family], format: ExpositionFormat) -> [UInt8] {
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
                let suffixes = f.bucketSuffixes.reduce(0) { $0 &+ $1.count }
                let lines = f.bucketSuffixes.count
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

        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            var out = ByteWriter(base: buffer.baseAddress!, capacity: bound)
            for (snapshot, header) in zip(snapshots, headers) {
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
            initialized = out.count
        }
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

    private static func closeLabels(_ block: [UInt8], into out: inout ByteWriter) {
        if !block.isEmpty {
            out.write(block)
            out.write("} ")
        } else {
            out.write(UInt8(ascii: " "))
        }
    }

    private static func writeCounters(_ family: CounterFamily, _ series: [Counter], openMetrics: Bool,
                                      into out: inout ByteWriter) {
        for s in series {
            if openMetrics, let totalName = family.openMetricsTotalName {
                out.write(totalName)
                closeLabels(s.labelBlock, into: &out)
            } else {
                out.write(s.samplePrefix)
            }
            out.write(s.value)
            out.write(UInt8(ascii: "\n"))
            if openMetrics, !s.created.isNaN {
                out.write(family.createdName)
                closeLabels(s.labelBlock, into: &out)
                writeTimestamp(s.created, into: &out)
                out.write(UInt8(ascii: "\n"))
            }
        }
    }

    private static func writeHistograms(_ family: HistogramFamily, _ series: [Histogram], openMetrics: Bool,
                                        into out: inout ByteWriter) {
        let suffixes = family.bucketSuffixes
        for s in series {
            // Format under the series' lock: buckets, count and sum come from the same instant, so the
            // `+Inf` bucket always equals `_count`. The lock is held for a few hundred nanoseconds.
            s.state.withLock { state in
                var cumulative: UInt64 = 0
                for i in 0..<suffixes.count {
                    cumulative &+= state.counts[i]
                    out.write(s.bucketPrefix)
                    out.write(suffixes[i])
                    out.write(cumulative)
                    out.write(UInt8(ascii: "\n"))
                }
                out.write(family.countName)
                closeLabels(s.labelBlock, into: &out)
                out.write(state.count)
                out.write(UInt8(ascii: "\n"))
                out.write(family.sumName)
                closeLabels(s.labelBlock, into: &out)
                out.write(state.sum)
                out.write(UInt8(ascii: "\n"))
            }
            if openMetrics, !s.created.isNaN {
                out.write(family.createdName)
                closeLabels(s.labelBlock, into: &out)
                writeTimestamp(s.created, into: &out)
                out.write(UInt8(ascii: "\n"))
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
