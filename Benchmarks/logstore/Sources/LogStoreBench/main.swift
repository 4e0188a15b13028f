// The log store benchmark binary (see ../../run.sh).
//
//   LogStoreBench fill   DATA_DIR FILE [REPEAT]   append every line of FILE (REPEAT times, ids and times shifted)
//   LogStoreBench search DATA_DIR RUNS            time the standard queries, RUNS times each, print TSV
//
// Lines are stored as the agent stores them: the body as is, the time from "@timestamp", kind log,
// source "file", the id from the line number.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import VigilCore
import VigilStorage

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func wallSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func timestamp(of line: UnsafeBufferPointer<UInt8>) -> Int64? {
    let key = Array(#""@timestamp":""#.utf8)
    guard line.count > key.count + 24 else { return nil }
    outer: for start in 0 ..< min(64, line.count - key.count - 24) {
        for k in 0 ..< key.count where line[start + k] != key[k] { continue outer }
        let text = String(decoding: line[(start + key.count) ..< (start + key.count + 24)], as: UTF8.self)
        return RFC3339.parse(text)
    }
    return nil
}

func fill(_ dataDir: String, _ file: String, repeats: Int) throws {
    let store = try LogStore(dataDirectory: dataDir)
    let cpu0 = cpuSeconds(), wall0 = wallSeconds()
    var total = 0
    var batch: [SpoolRecord] = []
    batch.reserveCapacity(8192)
    var span: Int64 = 0
    for round in 0 ..< repeats {
        guard let handle = fopen(file, "r") else { fatalError("cannot open \(file)") }
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        var number = 0
        var first: Int64?
        var last: Int64 = 0
        while true {
            let n = getline(&linePointer, &capacity, handle)
            if n <= 0 { break }
            let length = linePointer![n - 1] == 10 ? n - 1 : n
            let line = UnsafeBufferPointer(start: UnsafeRawPointer(linePointer!).assumingMemoryBound(to: UInt8.self), count: length)
            let ts = timestamp(of: line) ?? 0
            if first == nil { first = ts }
            last = ts
            batch.append(SpoolRecord(id: "r\(round)-\(number)", kind: 0, timestampMillis: ts + Int64(round) * span, source: "file", body: Array(line)))
            number += 1
            if batch.count == 8192 {
                total += try store.insert(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        free(linePointer)
        fclose(handle)
        span = max(span, last - (first ?? 0) + 1)
    }
    if !batch.isEmpty { total += try store.insert(batch) }
    let cpu = cpuSeconds() - cpu0, wall = wallSeconds() - wall0
    let blockBytes = try store.blockBytes(), used = try store.usedBytes()
    print("events\t\(total)")
    print("wall_s\t\(String(format: "%.2f", wall))")
    print("events_per_s\t\(Int(Double(total) / wall))")
    let cpuPerMillion: Double = cpu * 1e6 / Double(total)
    print("cpu_s_per_million\t\(String(format: "%.2f", cpuPerMillion))")
    print("peak_rss_mib\t\(String(format: "%.1f", peakRSSMiB()))")
    print("blocks\t\(try store.blockCount())")
    print("block_bytes_per_event\t\(String(format: "%.1f", Double(blockBytes) / Double(total)))")
    print("used_bytes_per_event\t\(String(format: "%.1f", Double(used) / Double(total)))")
}

/// The newest event time in the store.
func newest(_ store: LogStore) throws -> Int64 {
    try store.search(LogQuery(limit: 1)).first?.timestampMillis ?? 0
}

func search(_ dataDir: String, runs: Int, needle: String) throws {
    let store = try LogStore(readingPath: dataDir + "/logs.db")
    let now = try newest(store)
    let queries: [(String, LogQuery)] = [
        ("word, one event (request id part)", LogQuery(text: needle)),
        ("word, absent", LogQuery(text: "zanzibar")),
        ("word, common (timeout)", LogQuery(text: "timeout")),
        ("two words (feature store)", LogQuery(text: "feature store")),
        ("prefix (timeo*)", LogQuery(text: "timeo*")),
        ("service+level+15m", LogQuery(service: "ml-inference", level: "error", sinceMillis: now - 900_000)),
        ("service+level+15m limit 1000", LogQuery(service: "ml-inference", level: "error", sinceMillis: now - 900_000, limit: 1000)),
        ("level debug, all time", LogQuery(level: "debug")),
        ("word+15m (timeout)", LogQuery(text: "timeout", sinceMillis: now - 900_000)),
        ("latest 100", LogQuery()),
    ]
    print("query\tp50_ms\tp90_ms\tmax_ms\thits\tblocks_in_range\tpruned_fields\tpruned_bloom\tblocks_read\tbodies_read")
    for (name, query) in queries {
        var times: [Double] = []
        var stats = LogStore.SearchStats()
        var hits = 0
        for _ in 0 ..< runs {
            let t0 = wallSeconds()
            hits = try store.search(query, stats: &stats).count
            times.append((wallSeconds() - t0) * 1000)
        }
        times.sort()
        let p50 = times[times.count / 2], p90 = times[min(times.count - 1, times.count * 9 / 10)]
        print("\(name)\t\(String(format: "%.1f", p50))\t\(String(format: "%.1f", p90))\t\(String(format: "%.1f", times.last!))\t\(hits)\t"
              + "\(stats.blocksInRange)\t\(stats.prunedByFields)\t\(stats.prunedByBloom)\t\(stats.blocksRead)\t\(stats.bodiesRead)")
    }
}

let args = CommandLine.arguments
do {
    switch args.count > 1 ? args[1] : "" {
    case "fill" where args.count >= 4:
        try fill(args[2], args[3], repeats: args.count > 4 ? Int(args[4]) ?? 1 : 1)
    case "search" where args.count >= 4:
        try search(args[2], runs: Int(args[3]) ?? 11, needle: args.count > 4 ? args[4] : "8946759cde66")
    default:
        print("usage: LogStoreBench fill DATA_DIR FILE [REPEAT] | search DATA_DIR RUNS [WORD]")
        exit(64)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
