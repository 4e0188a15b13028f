import Foundation
import Testing
import VigilCore
import VigilRemoteWrite

/// The encoder's output, decoded again with the generated protobuf types: what a receiver sees.
@Suite struct RemoteWriteEncoderTests {
    static func registry() -> MetricRegistry {
        let registry = MetricRegistry()
        registry.counter("app_requests_total", help: "Requests.", labelNames: ["route", "code"]).labels("/a", "200").increment(by: 41)
        registry.gauge("app_queue", help: "Queue.", labelNames: ["Zone"]).labels("eu").set(2.5)
        registry.histogram("app_latency_seconds", help: "Latency.", labelNames: ["zz"], buckets: [0.5]).labels("q").observe(0.25)
        // A series label that an external label of the same name must not override.
        registry.gauge("app_info", help: "Info.", labelNames: ["instance"]).labels("own").set(1)
        return registry
    }

    @Test func samplesDecodeToWhatWasEncoded() throws {
        let encoder = RemoteWriteEncoder(externalLabels: ["instance": "node-1", "cluster": "c"])
        let requests = encoder.encode(Self.registry().snapshot(), timestampMillis: 1_700_000_000_123)
        #expect(requests.count == 1)
        let series = try RemoteWriteEncoder.decode(requests[0].body)
        #expect(series.count == requests[0].samples)
        let byKey = Dictionary(uniqueKeysWithValues: series.map { s in
            (s.labels.map { "\($0.name)=\($0.value)" }.joined(separator: ","), s)
        })
        func value(_ key: String) -> Double? { byKey[key]?.samples.first?.value }
        #expect(value("__name__=app_requests_total,cluster=c,code=200,instance=node-1,route=/a") == 41)
        // "Zone" sorts before "__name__" (byte order: uppercase < underscore).
        #expect(value("Zone=eu,__name__=app_queue,cluster=c,instance=node-1") == 2.5)
        #expect(value("__name__=app_latency_seconds_bucket,cluster=c,instance=node-1,le=0.5,zz=q") == 1)
        #expect(value("__name__=app_latency_seconds_bucket,cluster=c,instance=node-1,le=+Inf,zz=q") == 1)
        #expect(value("__name__=app_latency_seconds_sum,cluster=c,instance=node-1,zz=q") == 0.25)
        #expect(value("__name__=app_latency_seconds_count,cluster=c,instance=node-1,zz=q") == 1)
        #expect(value("__name__=app_info,cluster=c,instance=own") == 1)
        for s in series {
            #expect(s.labels.map(\.name) == s.labels.map(\.name).sorted(), "labels not sorted: \(s.labels)")
            #expect(s.name != nil)
            #expect(s.samples == [.init(timestampMillis: 1_700_000_000_123, value: s.samples[0].value)])
        }
    }

    @Test(arguments: [1, 2, 3, 5, 1_000])
    func requestsAreSplitBySampleCount(limit: Int) throws {
        let snapshot = Self.registry().snapshot()
        let total = snapshot.reduce(0) { $0 + $1.samples.count }
        let requests = RemoteWriteEncoder(maxSamplesPerRequest: limit).encode(snapshot, timestampMillis: 1)
        #expect(requests.count == (total + limit - 1) / limit)
        #expect(requests.allSatisfy { $0.samples <= limit })
        var decoded: [RemoteWriteEncoder.DecodedSeries] = []
        for request in requests { decoded += try RemoteWriteEncoder.decode(request.body) }
        let single = try RemoteWriteEncoder.decode(RemoteWriteEncoder(maxSamplesPerRequest: 1_000).encode(snapshot, timestampMillis: 1)[0].body)
        #expect(decoded == single)
    }

    @Test func garbageIsADecodeError() {
        #expect(throws: RemoteWriteEncoder.DecodeError.self) { try RemoteWriteEncoder.decode([1, 2, 3]) }
        // Valid snappy, not a protobuf message (a truncated length-delimited field).
        #expect(throws: RemoteWriteEncoder.DecodeError.self) { try RemoteWriteEncoder.decode(Snappy.compress([0x0a, 0x05, 0x01])) }
    }
}

/// The durable queue's files: written whole, read back, listed in order after a restart, stray temporaries gone.
@Suite struct RemoteWriteQueueTests {
    @Test func filesSurviveReopening() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rwq-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = try RemoteWriteQueue(directory: dir)
        let a = try queue.append(id: 2, body: [1, 2, 3], samples: 5)
        let b = try queue.append(id: 10, body: Array(repeating: 9, count: 100), samples: 7)
        _ = try queue.append(id: 11, body: [4], samples: 1)
        FileManager.default.createFile(atPath: dir + "/0000000000000000012-3.req.tmp", contents: Data([0]))
        let reopened = try RemoteWriteQueue(directory: dir)
        let loaded = try reopened.load()
        #expect(loaded.map(\.id) == [2, 10, 11])
        #expect(loaded[0] == a && loaded[1] == b)
        #expect(try reopened.read(b) == Array(repeating: 9, count: 100))
        reopened.remove(a)
        #expect(try reopened.load().map(\.id) == [10, 11])
        #expect(!FileManager.default.fileExists(atPath: dir + "/0000000000000000012-3.req.tmp"))
    }
}
