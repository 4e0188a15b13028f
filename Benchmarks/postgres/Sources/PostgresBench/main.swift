// Label joins through PostgresLabelJoinStore: each round records BATCH predictions (one INSERT … unnest) and joins
// their BATCH labels (one DELETE … RETURNING), from CONCURRENCY tasks in one process, for SECONDS seconds.
// Prints joins per second and this process's CPU per join (getrusage). Usage: PostgresBench URL [SECONDS] [BATCH] [CONCURRENCY]
import Foundation
import Logging
import VigilCore
import VigilPostgres

let args = CommandLine.arguments
guard args.count >= 2 else { print("usage: PostgresBench URL [SECONDS] [BATCH] [CONCURRENCY]"); exit(2) }
let seconds = args.count > 2 ? Double(args[2])! : 10
let batch = args.count > 3 ? Int(args[3])! : 100
let concurrency = args.count > 4 ? Int(args[4])! : 4

var config = try SharedStateConfiguration(url: args[1])
config.tls = .disable
let db = try SharedDatabase(config, password: nil, logger: Logger(label: "bench"))
_ = try await PostgresSchema.migrate(db)
let store = PostgresLabelJoinStore(database: db)

func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

// One warm-up round per task (connections, prepared plans).
let segment = ["country": "fr", "device": "ios"]
func round(_ task: Int, _ n: Int) async throws -> Int {
    let ids = (0..<batch).map { "b\(task)-\(n)-\($0)" }
    try await store.record(ids.map {
        PendingPredictionEntry(PendingPrediction(model: "fraud", requestID: $0, modelVersion: "2026-12-01", variant: "v3",
                                                 prediction: "1", score: 0.87, segment: segment, receivedAtMillis: 1_765_000_000_000),
                               expiresAtMillis: 9_000_000_000_000)
    })
    let outcomes = try await store.join(ids.map { LabelJoinKey(model: "fraud", requestID: $0) }, nowMillis: 1_765_000_000_000)
    return outcomes.reduce(0) { if case .joined(let p) = $1 { return $0 + p.count } else { return $0 } }
}
for t in 0..<concurrency { _ = try await round(t, -1) }

let start = Date(), cpu0 = cpuSeconds()
let joined = try await withThrowingTaskGroup(of: Int.self) { group in
    for t in 0..<concurrency {
        group.addTask {
            var n = 0, total = 0
            while Date().timeIntervalSince(start) < seconds {
                total += try await round(t, n)
                n += 1
            }
            return total
        }
    }
    var sum = 0
    for try await part in group { sum += part }
    return sum
}
let wall = Date().timeIntervalSince(start), cpu = cpuSeconds() - cpu0
print(String(format: "vigil: %d labels joined in %.2f s = %.0f joins/s (each with its prediction recorded); CPU %.1f µs per join (%.0f %% of one core); batch %d, %d tasks",
             joined, wall, Double(joined) / wall, cpu / Double(joined) * 1e6, cpu / wall * 100, batch, concurrency))
db.shutdown()
