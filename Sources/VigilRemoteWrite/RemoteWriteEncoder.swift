import SwiftProtobuf
import VigilCore

/// Turns a registry snapshot into remote write 1.0 requests: one `TimeSeries` per sample with `__name__`, the
/// series' labels and the external labels (a series' own label wins over an external one of the same name),
/// sorted by name; one sample each, at the snapshot's timestamp. Series are split into requests of at most
/// `maxSamplesPerRequest` samples; every request is a protobuf `WriteRequest`, snappy-compressed.
public struct RemoteWriteEncoder: Sendable {
    /// An encoded request: its compressed body and how many samples it carries.
    public struct Request: Sendable {
        public var body: [UInt8]
        public var samples: Int
    }

    /// A decoded series, for tests and checks: sorted labels (with `__name__`) and `(timestamp ms, value)` pairs.
    public struct DecodedSeries: Sendable, Equatable {
        public var labels: [MetricLabel]
        public var samples: [DecodedSample]

        public var name: String? { labels.first { $0.name == "__name__" }?.value }

        public init(labels: [MetricLabel], samples: [DecodedSample]) {
            self.labels = labels
            self.samples = samples
        }
    }

    public struct DecodedSample: Sendable, Equatable {
        public var timestampMillis: Int64
        public var value: Double

        public init(timestampMillis: Int64, value: Double) {
            self.timestampMillis = timestampMillis
            self.value = value
        }
    }

    /// A body that is not a snappy-compressed `WriteRequest`.
    public struct DecodeError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let externalLabels: [MetricLabel]
    public let maxSamplesPerRequest: Int

    public init(externalLabels: [String: String] = [:], maxSamplesPerRequest: Int = 10_000) {
        precondition(maxSamplesPerRequest > 0, "maxSamplesPerRequest must be positive")
        self.externalLabels = externalLabels.map { MetricLabel(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
        self.maxSamplesPerRequest = maxSamplesPerRequest
    }

    /// Encodes every sample of `families` with timestamp `timestampMillis`.
    public func encode(_ families: [MetricFamilySnapshot], timestampMillis: Int64) -> [Request] {
        var requests: [Request] = []
        var current = Vigil_Prometheus_WriteRequest()
        current.timeseries.reserveCapacity(min(maxSamplesPerRequest, families.reduce(0) { $0 + $1.samples.count }))
        func flush() {
            guard !current.timeseries.isEmpty else { return }
            // Serializing a message built in memory cannot fail (no required fields, no unknown types).
            let bytes: [UInt8] = (try? current.serializedBytes()) ?? []
            requests.append(Request(body: Snappy.compress(bytes), samples: current.timeseries.count))
            current = Vigil_Prometheus_WriteRequest()
        }
        for family in families {
            for sample in family.samples {
                var series = Vigil_Prometheus_TimeSeries()
                series.labels = labels(name: sample.name, sample.labels).map { label in
                    var l = Vigil_Prometheus_Label()
                    l.name = label.name
                    l.value = label.value
                    return l
                }
                var point = Vigil_Prometheus_Sample()
                point.value = sample.value
                point.timestamp = timestampMillis
                series.samples = [point]
                current.timeseries.append(series)
                if current.timeseries.count >= maxSamplesPerRequest { flush() }
            }
        }
        flush()
        return requests
    }

    /// `__name__`, the series' labels and the external labels not already set, sorted by name.
    func labels(name: String, _ own: [MetricLabel]) -> [MetricLabel] {
        var out: [MetricLabel] = []
        out.reserveCapacity(own.count + externalLabels.count + 1)
        out.append(MetricLabel(name: "__name__", value: name))
        out.append(contentsOf: own)
        for external in externalLabels where !own.contains(where: { $0.name == external.name }) {
            out.append(external)
        }
        out.sort { $0.name < $1.name }
        return out
    }

    /// Decodes a compressed body (the inverse of ``encode(_:timestampMillis:)``).
    public static func decode(_ body: [UInt8]) throws(DecodeError) -> [DecodedSeries] {
        let raw: [UInt8]
        do { raw = try Snappy.decompress(body) } catch { throw DecodeError(description: error.description) }
        let request: Vigil_Prometheus_WriteRequest
        do { request = try Vigil_Prometheus_WriteRequest(serializedBytes: raw) } catch {
            throw DecodeError(description: "not a remote write request: \(error)")
        }
        return request.timeseries.map { series in
            DecodedSeries(labels: series.labels.map { MetricLabel(name: $0.name, value: $0.value) },
                          samples: series.samples.map { DecodedSample(timestampMillis: $0.timestamp, value: $0.value) })
        }
    }
}
