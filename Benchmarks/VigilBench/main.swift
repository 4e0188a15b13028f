// Release-mode benchmark of Vigil's metric registry against swift-prometheus 2.4.1, in one process.
//
//   VIGIL_BENCHMARKS=1 swift build -c release --scratch-path .build-bench
//   .build-bench/release/VigilBench [--series 10000,100000] [--scrape-url http://127.0.0.1:9750/metrics]
//
// Times are medians over several runs; Vigil and swift-prometheus alternate run by run so that noise
// from a shared machine hits both alike.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VigilCore
#if canImport(VigilGzip)
import VigilGzip
#endif
#if canImport(Prometheus)
import Prometheus
#endif
import Synchronization

struct Options {
    var series = [10_000, 100_000]
    var registrationSeries = 100_000
    var peerRegistrationSeries = 20_000
    var scrapeURL: String?
    var scrapeIterations = 20
    var renderIterations: Int?
    var retainFreedMemory = false
    var serveInProcess = false
    var unit = Workload.Unit.samples
    var pushgateway: String?
    var pushgatewayPID: Int32?
    var rounds = 15
    var resultsPrefix: String?
    var createdSamples = false

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fatalError("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--series": options.series = value().split(separator: ",").map { Int($0)! }
            case "--registration-series": options.registrationSeries = Int(value())!
            case "--peer-registration-series": options.peerRegistrationSeries = Int(value())!
            case "--scrape-url": options.scrapeURL = value()
            case "--scrape-iterations": options.scrapeIterations = Int(value())!
            case "--render-iterations": options.renderIterations = Int(value())!
            case "--malloc-keep": options.retainFreedMemory = true
            case "--serve-in-process": options.serveInProcess = true
            case "--count": options.unit = Workload.Unit(rawValue: value()) ?? .samples
            case "--compare-pushgateway": options.pushgateway = value()
            case "--pushgateway-pid": options.pushgatewayPID = Int32(value())!
            case "--rounds": options.rounds = Int(value())!
            case "--results-prefix": options.resultsPrefix = value()
            case "--created-samples": options.createdSamples = true
            case "--help", "-h":
                print("""
                    usage: VigilBench [--series N,N] [--registration-series N] [--peer-registration-series N]
                                      [--render-iterations N] [--scrape-url http://127.0.0.1:PORT/metrics]
                                      [--scrape-iterations N] [--serve-in-process] [--malloc-keep]
                                      [--count children|samples]
                    --count samples     (default) count Prometheus time series, i.e. samples: a histogram
                                        with 10 buckets is 13 series (the unit of the issue's figures)
                    --count children    count label sets: each histogram child is one series
                    --compare-pushgateway http://127.0.0.1:PORT [--pushgateway-pid PID] [--rounds 15]
                                        [--results-prefix PATH] [--created-samples]
                                        only the scrape comparison of Benchmarks/scrape/run.sh: the agent's
                                        HTTP server in-process against pushgateway, same series (--series N)
                    --serve-in-process  also serve each registry over Hummingbird on 127.0.0.1 and time whole
                                        GET /metrics scrapes (plain and gzip)
                    """)
                exit(0)
            default: fatalError("unknown argument \(arguments[i])")
            }
            i += 1
        }
        return options
    }
}

#if canImport(Glibc)
// <malloc.h> is not part of the Glibc module.
@_silgen_name("mallopt") func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

let clock = ContinuousClock()

func milliseconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) * 1000 + Double(atto) / 1e15
}

/// CPU time of this thread, in milliseconds: on a shared machine, wall time mostly measures the neighbours.
func threadCPUMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}

/// Wall-clock and thread-CPU milliseconds of the most recent `time` call.
nonisolated(unsafe) var lastWall = 0.0
nonisolated(unsafe) var lastCPU = 0.0

/// Returns CPU milliseconds (what the tables use); the wall time is kept in `lastWall`.
func time(_ body: () -> Void) -> Double {
    let cpu = threadCPUMilliseconds()
    let start = clock.now
    body()
    lastWall = milliseconds(clock.now - start)
    lastCPU = threadCPUMilliseconds() - cpu
    return lastCPU
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

func format(_ ms: Double) -> String {
    ms.isNaN ? "—" : (ms < 10 ? String(Double(Int(ms * 100)) / 100) : String(Double(Int(ms * 10)) / 10)) + " ms"
}

func ratio(_ peer: Double, _ ours: Double) -> String {
    peer.isNaN || ours.isNaN ? "—" : String(Double(Int(peer / ours * 10)) / 10) + "×"
}

/// `/proc/loadavg`'s first three fields, to judge how busy the machine was.
func loadAverage() -> String {
    guard let file = fopen("/proc/loadavg", "r") else { return "unknown" }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 128)
    guard fgets(&line, 128, file) != nil else { return "unknown" }
    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

struct Row: Sendable { var what: String; var vigil: Double; var peer: Double; var note: String = "" }

/// Times whole GETs (wall clock: the server's threads do the work) in the four ways Prometheus may ask.
func scrapeRows(url: String, iterations: Int, label: String) throws -> [Row] {
    let client = try LoopbackHTTPClient(url: url)
    let prometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    var result: [Row] = []
    for (kind, accept, gzip) in [("text", "text/plain;version=0.0.4", false), ("text+gzip", "text/plain;version=0.0.4", true),
                                 ("OpenMetrics", prometheusAccept, false), ("OpenMetrics+gzip", prometheusAccept, true)] {
        var times: [Double] = []
        var last = LoopbackHTTPClient.Response(status: 0, headers: [], bodyBytes: 0)
        for round in 0...iterations {
            var response: LoopbackHTTPClient.Response?
            var failure: (any Error)?
            _ = time { do { response = try client.get(accept: accept, gzip: gzip) } catch { failure = error } }
            if let failure { throw failure }
            last = response!
            guard last.status == 200 else { throw LoopbackHTTPClient.Failure(description: "status \(last.status)") }
            if round > 0 { times.append(lastWall) }
        }
        let encoding = last.headers.first { $0.0 == "content-encoding" }?.1 ?? "identity"
        print("  GET \(label) [\(kind)]: median \(format(median(times))), fastest \(format(times.min() ?? .nan)) wall, "
              + "\(last.bodyBytes) body bytes, content-encoding \(encoding)")
        result.append(Row(what: "HTTP GET /metrics, \(kind) (\(label), wall time)", vigil: median(times), peer: .nan, note: "—"))
    }
    return result
}
var rows: [Row] = []

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
#if canImport(Glibc)
if options.retainFreedMemory {
    // Large blocks from the heap instead of fresh mmaps, and freed memory kept: repeated renders reuse
    // pages instead of faulting in zeroed ones (what a long-running agent can do with the same mallopt).
    _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 512 << 20)
    _ = glibcMallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30)
    print("malloc: large blocks from the heap, freed memory kept (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD)")
}
#endif
#if canImport(VigilServer)
if let pushgateway = options.pushgateway {
    print("load average at start: \(loadAverage())")
    try await ScrapeComparison.run(.init(series: options.series.first ?? 100_000, rounds: options.rounds,
                                         pushgateway: pushgateway, pushgatewayPID: options.pushgatewayPID,
                                         resultsPrefix: options.resultsPrefix, createdSamples: options.createdSamples))
    exit(0)
}
#endif
print("VigilBench: swift-prometheus \(SwiftPrometheusWorkload.available ? "2.4.1 linked" : "not linked (build with VIGIL_BENCHMARKS=1)")")
print("load average at start: \(loadAverage())")

for n in options.series {
    let workload = Workload(seriesCount: n, unit: options.unit)
    let iterations = options.renderIterations ?? (n >= 100_000 ? 9 : 31)
    var ours: MetricRegistry? = workload.fillVigil()
    #if canImport(Prometheus)
    var peer: PrometheusCollectorRegistry? = SwiftPrometheusWorkload.fill(workload)
    #endif
    // Two ways to render each: a fresh array per scrape (`render(_:)` / `emitToBuffer()`), and into memory
    // kept between scrapes (64 KiB pieces, `render(_:chunkBytes:_:)` / `emit(into:)` on a cleared buffer).
    var fresh: [Double] = [], freshOM: [Double] = [], kept: [Double] = [], keptOM: [Double] = []
    var peerFresh: [Double] = [], peerKept: [Double] = []
    var textBytes = 0, omBytes = 0, peerBytes = 0
    var sink: [UInt8] = []
    #if canImport(Prometheus)
    var peerBuffer: [UInt8] = []
    #endif
    // One warm-up round, then alternate Vigil and swift-prometheus.
    for round in 0...iterations {
        let t = time { sink = ours!.render(.prometheusText) }
        textBytes = sink.count
        sink = []
        let o = time { sink = ours!.render(.openMetrics) }
        omBytes = sink.count
        sink = []
        let tk = time { textBytes = 0; ours!.render(.prometheusText, chunkBytes: 64 << 10) { textBytes += $0.count } }
        let ok = time { omBytes = 0; ours!.render(.openMetrics, chunkBytes: 64 << 10) { omBytes += $0.count } }
        var p = Double.nan, pk = Double.nan
        #if canImport(Prometheus)
        p = time { peerBytes = SwiftPrometheusWorkload.render(peer!) }
        pk = time {
            peerBuffer.removeAll(keepingCapacity: true)
            peer!.emit(into: &peerBuffer)
        }
        #endif
        if round > 0 {
            fresh.append(t); freshOM.append(o); kept.append(tk); keptOM.append(ok)
            peerFresh.append(p); peerKept.append(pk)
        }
    }
    print("\(n) series (counted as \(options.unit.rawValue)): \(workload.countersPerFamily * Workload.familiesPerKind) counters, "
          + "\(workload.histogramsPerFamily * Workload.familiesPerKind) histograms")
    print("\(n) series: text \(textBytes) bytes, OpenMetrics \(omBytes) bytes, swift-prometheus text \(peerBytes) bytes")
    print("  fresh array: Vigil text \(format(median(fresh))), OpenMetrics \(format(median(freshOM))); swift-prometheus \(format(median(peerFresh)))")
    print("  kept buffer: Vigil text \(format(median(kept))), OpenMetrics \(format(median(keptOM))); swift-prometheus \(format(median(peerKept)))")
    rows.append(Row(what: "render \(n) series, text, fresh array", vigil: median(fresh), peer: median(peerFresh)))
    rows.append(Row(what: "render \(n) series, text, kept buffer", vigil: median(kept), peer: median(peerKept)))
    rows.append(Row(what: "render \(n) series, OpenMetrics, fresh array", vigil: median(freshOM), peer: .nan,
                    note: "no OpenMetrics encoder"))
    rows.append(Row(what: "render \(n) series, OpenMetrics, kept buffer", vigil: median(keptOM), peer: .nan,
                    note: "no OpenMetrics encoder"))
    #if canImport(VigilGzip)
    let body = ours!.render(.prometheusText)
    var compressed = 0
    let gzipTime = median((0..<max(3, iterations / 3)).map { _ in time { compressed = Gzip.compress(body, level: 1).count } })
    var isal = 0
    let isalTime = median((0..<max(3, iterations / 3)).map { _ in time { isal = Gzip.compressISAL(body, level: 1).count } })
    _ = textBytes
    print("  gzip of the text body: zlib level 1 \(format(gzipTime)) (\(body.count) → \(compressed) bytes), "
          + "ISA-L level 1 \(format(isalTime)) (→ \(isal) bytes)")
    rows.append(Row(what: "gzip (zlib level 1) of the \(n)-series text body", vigil: gzipTime, peer: .nan))
    rows.append(Row(what: "gzip (ISA-L level 1, what /metrics uses) of the \(n)-series text body", vigil: isalTime, peer: .nan))
    #endif
    #if canImport(VigilServer)
    if options.serveInProcess {
        let collected = Mutex<[Row]>([])
        let iterations = n >= 100_000 ? max(3, options.scrapeIterations / 4) : options.scrapeIterations
        try await InProcessServer.run(registry: ours!) { port in
            let found = try scrapeRows(url: "http://127.0.0.1:\(port)/metrics", iterations: iterations,
                                       label: "\(n) series, in-process Hummingbird")
            collected.withLock { $0 += found }
        }
        rows += collected.withLock { $0 }
    }
    #endif
    ours = nil
    #if canImport(Prometheus)
    peer = nil
    #endif
    _ = ours
}

// Registration: many series in one family.
do {
    let n = options.registrationSeries
    var labelSets = (0..<n).map(Workload.counterLabels)
    let registry = MetricRegistry(defaultCardinalityLimit: n + 1)
    let family = registry.counter("bench_registration_total", help: "Registration benchmark.",
                                  labelNames: ["service", "route", "status"])
    let ms = time { for labels in labelSets { family.labels(labels).increment() } }
    precondition(family.seriesCount == n)
    print("register \(n) series in one family: Vigil \(format(ms))")
    let peerN = options.peerRegistrationSeries
    let ourSmall = MetricRegistry(defaultCardinalityLimit: peerN + 1)
    let smallFamily = ourSmall.counter("bench_registration_total", help: "Registration benchmark.",
                                       labelNames: ["service", "route", "status"])
    labelSets = Array(labelSets.prefix(peerN))
    let oursSmall = time { for labels in labelSets { smallFamily.labels(labels).increment() } }
    var peerMs = Double.nan
    #if canImport(Prometheus)
    peerMs = time { _ = SwiftPrometheusWorkload.register(peerN) }
    #endif
    print("register \(peerN) series in one family: Vigil \(format(oursSmall)), swift-prometheus \(format(peerMs))")
    rows.append(Row(what: "register \(n) series in one family", vigil: ms, peer: .nan,
                    note: "swift-prometheus grows quadratically; see the next row"))
    rows.append(Row(what: "register \(peerN) series in one family", vigil: oursSmall, peer: peerMs))
}

// Whole HTTP scrapes against a running server (the agent, or anything serving /metrics on loopback).
if let url = options.scrapeURL {
    do {
        rows += try scrapeRows(url: url, iterations: options.scrapeIterations, label: url)
    } catch {
        print("scrape failed: \(error)")
        exit(1)
    }
}

print("")
print("load average at end: \(loadAverage())")
print("Times are medians of thread CPU time (wall time on a shared machine mostly measures the neighbours).")
print("")
print("| measurement | Vigil | swift-prometheus 2.4.1 | ratio (peer / Vigil) |")
print("| --- | --- | --- | --- |")
for row in rows {
    print("| \(row.what) | \(format(row.vigil)) | \(row.note.isEmpty ? format(row.peer) : (row.peer.isNaN ? row.note : format(row.peer))) | \(ratio(row.peer, row.vigil)) |")
}
