// Remote write throughput and CPU: a registry of SERIES counter series; each round snapshots it, encodes the
// samples (protobuf, snappy; requests of at most 10,000 samples), writes each request to the durable queue, reads
// it back, POSTs it to the receiver and deletes it — the agent's path, one request in flight. Counters move
// every round, timestamps increase. CPU (user + system, getrusage) covers the whole process.
// Usage: RemoteWriteBench URL SERIES SECONDS QUEUE_DIR
import Foundation
import Logging
import VigilCore
import VigilHTTPClient
import VigilRemoteWrite

let args = CommandLine.arguments
guard args.count == 5, let series = Int(args[2]), let seconds = Double(args[3]) else {
    FileHandle.standardError.write(Data("usage: RemoteWriteBench URL SERIES SECONDS QUEUE_DIR\n".utf8))
    exit(2)
}
let url = args[1], queueDirectory = args[4]

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

let registry = MetricRegistry()
// Shaped like service metrics: 50 routes × 4 codes × instances of a `shard` label.
let family = registry.counter("bench_requests_total", help: "Requests.", labelNames: ["route", "code", "shard"], cardinalityLimit: series + 1)
var handles: [Counter] = []
for i in 0..<series {
    handles.append(family.labels("/api/v1/route\(i % 50)", ["200", "404", "500", "503"][(i / 50) % 4], "s\(i / 200)"))
}
let encoder = RemoteWriteEncoder(externalLabels: ["sender": "vigil"], maxSamplesPerRequest: 10_000)
let queue = try RemoteWriteQueue(directory: queueDirectory)
let client = try HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(30)), logger: Logger(label: "bench"))
let headers = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0"]

var samples = 0, requests = 0, failures = 0, bodyBytes = 0, rounds = 0
var nextID: Int64 = 1
var timestamp = Int64(Date().timeIntervalSince1970 * 1000)
// The registry is filled before the clock starts: only the push path is measured.
let cpuStart = cpuSeconds()
let start = Date()
while Date().timeIntervalSince(start) < seconds {
    for (i, handle) in handles.enumerated() { handle.increment(by: 1 + i % 3) }
    timestamp = max(timestamp + 1, Int64(Date().timeIntervalSince1970 * 1000))
    for request in encoder.encode(registry.snapshot(), timestampMillis: timestamp) {
        let batch = try queue.append(id: nextID, body: request.body, samples: request.samples)
        nextID += 1
        let body = try queue.read(batch)
        let response = try await client.request(method: "POST", url: url, headers: headers, body: body)
        queue.remove(batch)
        requests += 1
        bodyBytes += body.count
        if (200...299).contains(response.status) { samples += request.samples } else {
            failures += 1
            if failures <= 3 { FileHandle.standardError.write(Data("status \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))\n".utf8)) }
        }
    }
    rounds += 1
}
let wall = Date().timeIntervalSince(start)
let cpu = cpuSeconds() - cpuStart
client.shutdown()
print(String(format: "vigil: %d series, %d rounds, %d requests (%d failed), %.0f samples/s delivered, CPU %.3f s per million samples, %.1f bytes/sample on the wire, %.2f cores busy",
             series, rounds, requests, failures, Double(samples) / wall, cpu / Double(max(samples, 1)) * 1e6,
             Double(bodyBytes) / Double(max(samples, 1)), cpu / wall))
