#if canImport(VigilServer)
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import Logging
import Synchronization
import VigilCore
import VigilGzip
import VigilServer

/// `Benchmarks/scrape/run.sh`: the agent's real HTTP server (`VigilHTTPServer`, its router and middleware, in
/// this process on 127.0.0.1) holding the workload's series, against Debian's pushgateway holding the same
/// series (pushed here as Prometheus text), in the same run. Each round scrapes every kind of request from
/// both, in alternating order, so a busy neighbour hits both alike; the table gives medians of wall time and
/// the mean CPU per scrape of each server.
enum ScrapeComparison {
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    struct Kind: Sendable {
        var name: String
        var accept: String
        var gzip: Bool
    }

    static let kinds = [
        Kind(name: "Prometheus's request (OpenMetrics first, gzip)", accept: prometheusAccept, gzip: true),
        Kind(name: "text 0.0.4, no gzip", accept: "text/plain;version=0.0.4", gzip: false),
        Kind(name: "text 0.0.4, gzip", accept: "text/plain;version=0.0.4", gzip: true),
    ]

    struct Measured: Sendable {
        var wall: [Double] = []
        var cpu = 0.0
        var bodyBytes = 0
        var plainBytes = 0
        var samples = 0
        var contentType = ""
        var encoding = ""
    }

    struct Options: Sendable {
        var series: Int
        var rounds: Int
        var pushgateway: String
        var pushgatewayPID: Int32?
        var resultsPrefix: String?
        var createdSamples = false
    }

    static func run(_ options: Options) async throws {
        let workload = Workload(seriesCount: options.series, unit: .samples)
        let registry = workload.fillVigil(createdSamples: options.createdSamples)
        print("workload: \(workload.countersPerFamily * Workload.familiesPerKind) counters with 3 labels, "
              + "\(workload.histogramsPerFamily * Workload.familiesPerKind) histograms with \(Workload.buckets.count) buckets "
              + "(\(options.series) series counted as Prometheus samples)")

        // The same series into pushgateway: its text exposition of the registry, as one push.
        let pushed = registry.render(.prometheusText)
        let push = try LoopbackHTTPClient(url: options.pushgateway + "/metrics/job/bench")
        let pushStart = ContinuousClock.now
        let answer = try push.put(pushed, contentType: "text/plain; version=0.0.4")
        guard answer.status == 200 || answer.status == 202 else {
            throw LoopbackHTTPClient.Failure(description: "pushgateway answered the push with \(answer.status): "
                                             + String(decoding: try push.lastBody().prefix(500), as: UTF8.self))
        }
        print("pushed \(pushed.count) bytes into pushgateway in \(format(milliseconds(ContinuousClock.now - pushStart)))")

        var quiet = Logger(label: "vigil-bench")
        quiet.logLevel = .critical
        let server = VigilHTTPServer(.init(
            registry: registry, readiness: Readiness(), authenticator: Authenticator(tokens: []), ingestor: nil,
            logSearch: nil, maxBodyBytes: 1 << 20, makeRequestID: { "bench" },
            monotonicSeconds: { milliseconds(ContinuousClock.now - benchEpoch) / 1000 }))
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.makeApplication(host: "127.0.0.1", port: 0, logger: quiet) { port in portContinuation.yield(port) }
        let results = Mutex<[[Measured]]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { return }
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
                BlockingThread.start {
                    do {
                        let found = try measure(vigil: "http://127.0.0.1:\(port)/metrics",
                                                pushgateway: options.pushgateway + "/metrics",
                                                pushgatewayPID: options.pushgatewayPID, rounds: options.rounds)
                        results.withLock { $0 = found }
                        done.resume()
                    } catch { done.resume(throwing: error) }
                }
            }
            group.cancelAll()
        }
        report(results.withLock { $0 }, options: options, seriesText: pushed.count)
    }

    /// Runs on its own thread (the client blocks on sockets). Returns, per kind, [Vigil, pushgateway].
    static func measure(vigil: String, pushgateway: String, pushgatewayPID: Int32?, rounds: Int) throws -> [[Measured]] {
        let clients = [try LoopbackHTTPClient(url: vigil), try LoopbackHTTPClient(url: pushgateway)]
        var measured = Array(repeating: Array(repeating: Measured(), count: 2), count: kinds.count)
        for round in 0...rounds {
            for (k, kind) in kinds.enumerated() {
                // Alternate who goes first, round by round.
                for target in (round % 2 == 0 ? [0, 1] : [1, 0]) {
                    let cpuBefore = target == 0 ? processCPUMilliseconds() - threadCPUMilliseconds()
                                                : pushgatewayPID.map(processCPUMilliseconds(pid:)) ?? .nan
                    let start = ContinuousClock.now
                    let response = try clients[target].get(accept: kind.accept, gzip: kind.gzip)
                    let wall = milliseconds(ContinuousClock.now - start)
                    let cpuAfter = target == 0 ? processCPUMilliseconds() - threadCPUMilliseconds()
                                               : pushgatewayPID.map(processCPUMilliseconds(pid:)) ?? .nan
                    guard response.status == 200 else {
                        throw LoopbackHTTPClient.Failure(description: "\(target == 0 ? "vigil" : "pushgateway") answered \(response.status)")
                    }
                    // Round 0 warms both up (first-touch allocations, Go's GC sizing) and is not counted.
                    guard round > 0 else { continue }
                    measured[k][target].wall.append(wall)
                    measured[k][target].cpu += (cpuAfter - cpuBefore) / Double(rounds)
                    if round == rounds {
                        try check(clients[target], response, kind: kind, into: &measured[k][target])
                    }
                }
            }
        }
        return measured
    }

    /// Outside the timing: the body decompresses (gzip) and holds the expected samples.
    static func check(_ client: LoopbackHTTPClient, _ response: LoopbackHTTPClient.Response, kind: Kind,
                      into measured: inout Measured) throws {
        let header = { (name: String) in response.headers.first { $0.0 == name }?.1 ?? "" }
        measured.contentType = header("content-type")
        measured.encoding = header("content-encoding").isEmpty ? "identity" : header("content-encoding")
        var body = try client.lastBody()
        measured.bodyBytes = body.count
        if measured.encoding == "gzip" {
            body = try Gzip.decompress(body, maxOutputBytes: 1 << 30)
        } else if kind.gzip {
            throw LoopbackHTTPClient.Failure(description: "asked for gzip, got \(measured.encoding)")
        }
        measured.plainBytes = body.count
        var samples = 0
        var lineStart = true
        for byte in body {
            if lineStart, byte != UInt8(ascii: "#") { samples += 1 }
            lineStart = byte == UInt8(ascii: "\n")
        }
        measured.samples = samples
    }

    static func report(_ measured: [[Measured]], options: Options, seriesText: Int) {
        var table = """
            | request | Vigil median | pushgateway median | pushgateway / Vigil | Vigil body (plain) | pushgateway body (plain) | CPU per scrape, Vigil / pushgateway |
            | --- | --- | --- | --- | --- | --- | --- |

            """
        var tsv = "request\tserver\tmedian_ms\tmin_ms\tmax_ms\tcpu_ms_mean\tbody_bytes\tplain_bytes\tsamples\tcontent_type\tencoding\twall_ms_all\n"
        for (k, kind) in kinds.enumerated() {
            let v = measured[k][0], p = measured[k][1]
            let vm = median(v.wall), pm = median(p.wall)
            table += "| \(kind.name) | \(format(vm)) | \(format(pm)) | \(ratio(pm, vm)) | "
                + "\(megabytes(v.bodyBytes)) (\(megabytes(v.plainBytes))) | \(megabytes(p.bodyBytes)) (\(megabytes(p.plainBytes))) | "
                + "\(format(v.cpu)) / \(format(p.cpu)) |\n"
            for (name, m) in [("vigil", v), ("pushgateway", p)] {
                tsv += "\(kind.name)\t\(name)\t\(median(m.wall))\t\(m.wall.min() ?? .nan)\t\(m.wall.max() ?? .nan)\t\(m.cpu)\t"
                    + "\(m.bodyBytes)\t\(m.plainBytes)\t\(m.samples)\t\(m.contentType)\t\(m.encoding)\t"
                    + m.wall.map { String($0) }.joined(separator: ",") + "\n"
            }
        }
        let samples = measured[1].map(\.samples)
        let notes = """
            \(options.series) series (Prometheus samples; \(seriesText) bytes of text), medians of \(options.rounds) alternating scrapes \
            after one warm-up, wall time per GET on loopback (new connection each), release build; \
            Vigil's OpenMetrics `_created` samples \(options.createdSamples ? "on" : "off (the default)"); \
            samples in the answers: Vigil \(samples[0]), pushgateway \(samples[1]) (pushgateway adds its own and the push's metrics); \
            load average at end \(loadAverage()).
            """
        print("")
        print(table)
        print(notes)
        if let prefix = options.resultsPrefix {
            write(table + "\n" + notes + "\n", to: prefix + ".md")
            write(tsv, to: prefix + ".tsv")
            print("results: \(prefix).md, \(prefix).tsv")
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        bytes >= 1_000_000 ? String(Double(bytes / 10_000) / 100) + " MB" : String(Double(bytes / 100) / 10) + " kB"
    }

    static func write(_ text: String, to path: String) {
        guard let file = fopen(path, "w") else { print("cannot write \(path)"); return }
        fputs(text, file)
        fclose(file)
    }

    /// CPU time of this whole process (every thread), in milliseconds.
    static func processCPUMilliseconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }

    /// utime + stime of another process from `/proc/PID/stat`, in milliseconds (10 ms resolution).
    static func processCPUMilliseconds(pid: Int32) -> Double {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return .nan }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1024)
        guard fgets(&line, 1024, file) != nil else { return .nan }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (which may hold spaces) start at state (field 3).
        guard let close = text.lastIndex(of: ")") else { return .nan }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) * 1000 / ticks
    }
}

let benchEpoch = ContinuousClock.now
#endif
