// Ingestion hot-path benchmark: reads a file in 1 MiB chunks, splits lines, and runs every line through
// EventPipeline (parse + validate, classify, timestamp, deterministic id, redaction, metrics from logs),
// with the chunk's bodies in one arena as the file tailer keeps them.
// Usage: IngestBench FILE [--no-redact] [--no-metrics] [--shapes]
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilCore

func cpuSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: IngestBench FILE [--no-redact] [--no-metrics]")
    exit(2)
}
let path = arguments[1]
let redact = !arguments.contains("--no-redact")
let metrics = !arguments.contains("--no-metrics")
let show = arguments.contains("--show-redacted")
// As with an Elasticsearch sink: the pipeline records each line's DocumentShape for the bulk encoder.
let shapes = arguments.contains("--shapes")

var mapping = LogMetricMapping.httpServerDuration
mapping.when = ["type": "log"]
let configuration = try PipelineConfiguration(
    redact: redact ? RedactionConfiguration() : .none,
    metricsFromLogs: metrics ? [mapping] : [])
let registry = MetricRegistry()
var pipeline = try EventPipeline(configuration: configuration, registry: registry)
pipeline.computesDocumentShapes = shapes
let namespace = DeterministicID.namespace("bench:\(path)")

let fd = open(path, O_RDONLY)
guard fd >= 0 else {
    print("cannot open \(path)")
    exit(1)
}
let chunkSize = 1 << 20
var buffer = [UInt8](repeating: 0, count: chunkSize + (1 << 21))
var carry = 0
var fileOffset: Int64 = 0
var lines = 0
var accepted = 0
var rejected = 0
var changed = 0
var bodyBytes = 0
var events: [Event] = []
var arena = EventBodyArena(capacity: chunkSize + (1 << 21))
let cpu0 = cpuSeconds()
let wall0 = wallSeconds()
buffer.withUnsafeMutableBytes { raw in
    let base = raw.baseAddress!
    while true {
        let n = read(fd, base + carry, chunkSize)
        if n <= 0 { break }
        // As the tailer does: a chunk's event bodies go to one arena, reused once its events are gone.
        events.removeAll(keepingCapacity: true)   // the last chunk's events let go of the arena
        EventBodyArena.recycle(&arena)
        let end = carry + n
        var start = 0
        var context = LineContext(source: "file", id: "", readTimeMillis: 0, bodyArena: arena)
        while start < end {
            guard let nl = memchr(base + start, 0x0A, end - start) else { break }
            let lineEnd = nl - base
            let line = UnsafeRawBufferPointer(start: base + start, count: lineEnd - start)
            context.id = DeterministicID.make(namespace, position: fileOffset + Int64(start))
            // As the file tailer does: accepted events are built in the chunk's batch.
            if pipeline.process(line, context: context, appendingTo: &events) != nil {
                rejected += 1
            } else {
                accepted += 1
                let event = events[events.count - 1]
                bodyBytes += event.bodyCount
                if event.bodyCount != line.count {
                    changed += 1
                    if show && changed <= 5 { print(String(decoding: event.body, as: UTF8.self)) }
                }
            }
            lines += 1
            start = lineEnd + 1
        }
        // Keep the partial last line for the next read.
        carry = end - start
        if carry > 0 { memmove(base, base + start, carry) }
        fileOffset += Int64(start)
    }
}
close(fd)
let cpu = cpuSeconds() - cpu0
let wall = wallSeconds() - wall0
let label = "swift EventPipeline (redaction \(redact ? "all built-in rules" : "off"), metrics \(metrics ? "on" : "off"))"
print("\(label): lines=\(lines) accepted=\(accepted) rejected=\(rejected) redacted=\(changed) bytes=\(bodyBytes)")
func fixed(_ v: Double, _ digits: Int = 3) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return "\((v * scale).rounded() / scale)"
}
print("  wall=\(fixed(wall))s cpu=\(fixed(cpu))s lines/s=\(Int(Double(lines) / wall)) cpu_s_per_million=\(fixed(cpu * 1e6 / Double(max(lines, 1))))")
