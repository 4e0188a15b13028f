import FoundationEssentials
import Logging
import PostgresNIO
import VigilCore

/// Predictions waiting for their label in the shared PostgreSQL database, so that a label joins its prediction
/// whichever agent receives it.
///
/// Invariants (those of ``LabelJoinStore``):
/// - one row per (model, request id, variant); recording it again replaces payload and expiry;
/// - a join is `DELETE … RETURNING`: the row lock makes a second, concurrent join of the same key wait and then
///   find nothing, so a prediction is handed out once across every agent;
/// - expiry deletes the oldest due rows through the `expires_at_ms` index, `limit` at a time, skipping rows that
///   another agent's expiry or join holds (`FOR UPDATE SKIP LOCKED`): bounded work, no scan, no double count.
///
/// Each call is one statement (one round trip) for the whole batch: arrays are bound and `unnest`ed.
public final class PostgresLabelJoinStore: LabelJoinStore {
    let db: SharedDatabase

    public init(database: SharedDatabase) {
        self.db = database
    }

    public func record(_ entries: [PendingPredictionEntry]) async throws {
        guard !entries.isEmpty else { return }
        let encoder = JSONEncoder()
        var models: [String] = [], ids: [String] = [], variants: [String] = [], payloads: [String] = [], expiries: [Int64] = []
        for e in entries {
            models.append(e.prediction.model)
            ids.append(e.prediction.requestID)
            variants.append(e.prediction.variant)
            payloads.append(String(decoding: try encoder.encode(e.prediction), as: UTF8.self))
            expiries.append(e.expiresAtMillis)
        }
        // One batch must not name a key twice (ON CONFLICT cannot touch a row twice): the last one wins.
        if Set(zip(zip(models, ids), variants).map { "\($0.0)\u{0}\($0.1)\u{0}\($1)" }).count != entries.count {
            var last: [String: Int] = [:]
            for i in entries.indices { last["\(models[i])\u{0}\(ids[i])\u{0}\(variants[i])"] = i }
            let keep = last.values.sorted()
            models = keep.map { models[$0] }; ids = keep.map { ids[$0] }; variants = keep.map { variants[$0] }
            payloads = keep.map { payloads[$0] }; expiries = keep.map { expiries[$0] }
        }
        let (m, i, v, p, x) = (models, ids, variants, payloads, expiries)
        _ = try await db.connection("record \(entries.count) predictions") { conn in
            try await conn.query("""
                INSERT INTO vigil_pending_predictions(model, request_id, variant, payload, expires_at_ms)
                SELECT * FROM unnest(\(m)::text[], \(i)::text[], \(v)::text[], \(p)::text[], \(x)::int8[])
                ON CONFLICT (model, request_id, variant)
                DO UPDATE SET payload = excluded.payload, expires_at_ms = excluded.expires_at_ms
                """, logger: Self.logger)
            return true
        }
    }

    public func join(_ keys: [LabelJoinKey], nowMillis: Int64) async throws -> [LabelJoinOutcome] {
        guard !keys.isEmpty else { return [] }
        let models = keys.map(\.model), ids = keys.map(\.requestID)
        let rows = try await db.connection("join \(keys.count) labels") { conn -> [(String, String, String, Int64)] in
            let rows = try await conn.query("""
                DELETE FROM vigil_pending_predictions p
                USING (SELECT DISTINCT * FROM unnest(\(models)::text[], \(ids)::text[])) AS k(model, request_id)
                WHERE p.model = k.model AND p.request_id = k.request_id
                RETURNING p.model, p.request_id, p.payload, p.expires_at_ms
                """, logger: Self.logger)
            var out: [(String, String, String, Int64)] = []
            for try await row in rows.decode((String, String, String, Int64).self) { out.append(row) }
            return out
        }
        let decoder = JSONDecoder()
        var taken: [LabelJoinKey: [(prediction: PendingPrediction, expires: Int64)]] = [:]
        for (model, id, payload, expires) in rows {
            let p = try decoder.decode(PendingPrediction.self, from: Data(payload.utf8))
            taken[LabelJoinKey(model: model, requestID: id), default: []].append((p, expires))
        }
        // A key named twice in one batch: the first label takes the predictions, the second finds none.
        return keys.map { key in
            guard let list = taken.removeValue(forKey: key) else { return .unmatched }
            let sorted = list.sorted { $0.prediction.variant < $1.prediction.variant }
            let fresh = sorted.filter { $0.expires > nowMillis }.map(\.prediction)
            return fresh.isEmpty ? .late(sorted.map(\.prediction)) : .joined(fresh)
        }
    }

    public func expire(nowMillis: Int64, limit: Int) async throws -> [PendingPrediction] {
        let limit = max(0, limit)
        guard limit > 0 else { return [] }
        let payloads = try await db.connection("expire predictions") { conn -> [String] in
            let rows = try await conn.query("""
                DELETE FROM vigil_pending_predictions WHERE ctid = ANY (ARRAY(
                    SELECT ctid FROM vigil_pending_predictions WHERE expires_at_ms <= \(nowMillis)
                    ORDER BY expires_at_ms LIMIT \(limit) FOR UPDATE SKIP LOCKED))
                RETURNING payload, expires_at_ms
                """, logger: Self.logger)
            var out: [(String, Int64)] = []
            for try await row in rows.decode((String, Int64).self) { out.append(row) }
            return out.sorted { $0.1 < $1.1 }.map(\.0)
        }
        let decoder = JSONDecoder()
        return try payloads.map { try decoder.decode(PendingPrediction.self, from: Data($0.utf8)) }
    }

    public func count() async throws -> Int {
        try await db.connection("count predictions") { conn in
            let rows = try await conn.query("SELECT count(*) FROM vigil_pending_predictions", logger: Self.logger)
            for try await n in rows.decode(Int.self) { return n }
            return 0
        }
    }

    static let logger = Logger(label: "vigil.postgres")
}
