/// The outcome of looking up the prediction a label belongs to.
public enum PendingJoinResult: Sendable, Hashable {
    /// The first label for this prediction: here is the prediction's payload.
    case joined([UInt8])
    /// A label already joined this prediction (and the record of that has not expired yet).
    case duplicate
    /// No prediction waits under this request id and model (never seen, or expired).
    case unknown
}

/// A prediction that expired without a label.
public struct ExpiredPrediction: Sendable, Hashable {
    public var requestID: String
    public var model: String
    public var payload: [UInt8]
}

/// Predictions waiting for their label (the label join), in `vigil.db`.
///
/// Invariants:
/// - One row per (request id, model). ``take(requestID:model:nowMillis:)`` hands the payload out once
///   and then keeps a payload-less marker until the row's expiry, so a second label is reported as
///   ``PendingJoinResult/duplicate`` rather than ``PendingJoinResult/unknown``.
/// - Rows past their expiry are removed by ``expire(nowMillis:)`` (or ``takeExpired(nowMillis:limit:)``).
///
/// ```swift
/// try pending.put(requestID: "r-1", model: "fraud", payload: bytes, expiresAtMillis: now + 7 * 86_400_000)
/// switch try pending.take(requestID: "r-1", model: "fraud") {
/// case .joined(let payload): break   // score it
/// case .duplicate, .unknown: break   // count it
/// }
/// ```
public final class PendingPredictionStore: Sendable {
    public let database: VigilDatabase

    public init(database: VigilDatabase) {
        self.database = database
    }

    /// Stores (or replaces) a waiting prediction.
    public func put(requestID: String, model: String, payload: [UInt8], expiresAtMillis: Int64) throws {
        try database.sqlite.transaction { conn in
            try Self.put(conn, requestID: requestID, model: model, payload: payload, expiresAtMillis: expiresAtMillis)
        }
    }

    /// A waiting prediction for ``put(_:)``.
    public struct Entry: Sendable, Hashable {
        public var requestID: String
        public var model: String
        public var payload: [UInt8]
        public var expiresAtMillis: Int64

        public init(requestID: String, model: String, payload: [UInt8], expiresAtMillis: Int64) {
            self.requestID = requestID
            self.model = model
            self.payload = payload
            self.expiresAtMillis = expiresAtMillis
        }
    }

    /// Stores many predictions in one transaction (the hot path: one call per ingested batch).
    public func put(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        try database.sqlite.transaction { conn in
            for entry in entries {
                try Self.put(conn, requestID: entry.requestID, model: entry.model, payload: entry.payload, expiresAtMillis: entry.expiresAtMillis)
            }
        }
    }

    private static func put(_ conn: SQLiteConnection, requestID: String, model: String, payload: [UInt8], expiresAtMillis: Int64) throws {
        try conn.run("""
            INSERT INTO pending_predictions(request_id, model, payload, expires_at_ms, joined) VALUES (?, ?, ?, ?, 0)
            ON CONFLICT(request_id, model) DO UPDATE SET payload = excluded.payload, expires_at_ms = excluded.expires_at_ms, joined = 0
            """, [.text(requestID), .text(model), .blob(payload), .integer(expiresAtMillis)])
    }

    /// Joins a label to its prediction. With `nowMillis`, a row already past its expiry counts as gone.
    public func take(requestID: String, model: String, nowMillis: Int64? = nil) throws -> PendingJoinResult {
        try database.sqlite.transaction { conn in try Self.take(conn, requestID: requestID, model: model, nowMillis: nowMillis) }
    }

    /// Joins many labels in one transaction; results are in the order of `keys`.
    public func take(_ keys: [(requestID: String, model: String)], nowMillis: Int64? = nil) throws -> [PendingJoinResult] {
        guard !keys.isEmpty else { return [] }
        return try database.sqlite.transaction { conn in
            try keys.map { try Self.take(conn, requestID: $0.requestID, model: $0.model, nowMillis: nowMillis) }
        }
    }

    private static func take(_ conn: SQLiteConnection, requestID: String, model: String, nowMillis: Int64?) throws -> PendingJoinResult {
        let key: [SQLiteValue] = [.text(requestID), .text(model)]
        guard let row = try conn.queryFirst("SELECT joined, expires_at_ms, payload FROM pending_predictions WHERE request_id = ? AND model = ?", key, {
            (joined: $0.int64(0) != 0, expires: $0.int64(1), payload: $0.isNull(2) ? [] : $0.blob(2))
        }) else { return .unknown }
        if let nowMillis, row.expires <= nowMillis { return .unknown }
        if row.joined { return .duplicate }
        // Keep a marker without the payload until expiry, to recognise a second label.
        try conn.run("UPDATE pending_predictions SET joined = 1, payload = NULL WHERE request_id = ? AND model = ?", key)
        return .joined(row.payload)
    }

    /// Removes every row whose expiry is at or before `nowMillis`; returns how many.
    @discardableResult
    public func expire(nowMillis: Int64) throws -> Int {
        try database.sqlite.transaction { conn in
            try conn.run("DELETE FROM pending_predictions WHERE expires_at_ms <= ?", [.integer(nowMillis)])
        }
    }

    /// Removes up to `limit` expired rows and returns the predictions among them that never got a label
    /// (so the monitor can count them as unlabelled per model and variant). Joined markers are removed silently.
    public func takeExpired(nowMillis: Int64, limit: Int = 10_000) throws -> [ExpiredPrediction] {
        try database.sqlite.transaction { conn in
            let rows = try conn.query("""
                SELECT request_id, model, joined, payload FROM pending_predictions WHERE expires_at_ms <= ?
                ORDER BY expires_at_ms LIMIT ?
                """, [.integer(nowMillis), .integer(Int64(max(0, limit)))]) {
                (requestID: $0.text(0), model: $0.text(1), joined: $0.int64(2) != 0, payload: $0.isNull(3) ? [] : $0.blob(3))
            }
            for row in rows {
                try conn.run("DELETE FROM pending_predictions WHERE request_id = ? AND model = ?", [.text(row.requestID), .text(row.model)])
            }
            return rows.filter { !$0.joined }.map { ExpiredPrediction(requestID: $0.requestID, model: $0.model, payload: $0.payload) }
        }
    }

    /// Predictions still waiting for a label (joined markers not counted).
    public func count() throws -> Int {
        Int(try database.sqlite.withConnection { try $0.scalarInt("SELECT count(*) FROM pending_predictions WHERE joined = 0") } ?? 0)
    }
}
