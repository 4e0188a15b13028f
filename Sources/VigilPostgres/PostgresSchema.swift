import Logging
import PostgresNIO

/// The shared schema and its versions. Each migration runs in its own transaction under an advisory lock, and
/// records itself in `vigil_schema_migrations`, so `vigil db migrate` is idempotent and two of them at once
/// apply each migration once.
public enum PostgresSchema {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var statements: [String]
    }

    /// Every migration, in order. Append; never edit one that shipped.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "rollouts, audit log, pending predictions", statements: [
            // One row per rollout; `version` is the fencing token: every change is a compare-and-set on it.
            """
            CREATE TABLE vigil_rollouts (
                model text PRIMARY KEY,
                version bigint NOT NULL CHECK (version >= 0),
                snapshot text NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            // The audit log; (subject, version) is unique, so even a writer that skipped the compare-and-set
            // could not record a second decision for one version.
            """
            CREATE TABLE vigil_audit_log (
                id bigserial PRIMARY KEY,
                time_ms bigint NOT NULL,
                actor text NOT NULL,
                action text NOT NULL,
                subject text NOT NULL,
                reason text NOT NULL,
                evidence text NOT NULL,
                version bigint NOT NULL,
                UNIQUE (subject, version)
            )
            """,
            // Predictions waiting for their label, one row per variant; a join deletes the rows it takes.
            """
            CREATE TABLE vigil_pending_predictions (
                model text NOT NULL,
                request_id text NOT NULL,
                variant text NOT NULL,
                payload text NOT NULL,
                expires_at_ms bigint NOT NULL,
                PRIMARY KEY (model, request_id, variant)
            )
            """,
            // Expiry reads the oldest rows through this index, a bounded batch at a time: no scan.
            "CREATE INDEX vigil_pending_predictions_expiry ON vigil_pending_predictions (expires_at_ms)",
        ]),
    ]

    /// The version this Vigil needs.
    public static var targetVersion: Int { migrations.last?.version ?? 0 }

    /// An arbitrary constant: the advisory lock that serialises migrations.
    static let migrationLock: Int64 = 0x7669_6769_6C00_0001

    /// The schema version applied to the database (0 when it has none).
    public static func currentVersion(_ db: SharedDatabase) async throws(SharedStateError) -> Int {
        try await db.connection("read schema version") { conn in try await currentVersion(conn) }
    }

    static func currentVersion(_ conn: PostgresConnection) async throws -> Int {
        let logger = Logger(label: "vigil.postgres")
        // Two statements: a query naming a table that does not exist fails even in a branch that is not taken.
        var exists = false
        for try await e in try await conn.query("SELECT to_regclass('vigil_schema_migrations') IS NOT NULL", logger: logger).decode(Bool.self) {
            exists = e
        }
        guard exists else { return 0 }
        let rows = try await conn.query("SELECT coalesce(max(version), 0) FROM vigil_schema_migrations", logger: logger)
        for try await v in rows.decode(Int.self) { return v }
        return 0
    }

    /// What ``migrate(_:)`` did.
    public struct MigrationReport: Sendable, Hashable {
        public var from: Int
        public var to: Int
        public var applied: [Int]
    }

    /// Applies every migration newer than the database's version, each in its own transaction.
    public static func migrate(_ db: SharedDatabase) async throws(SharedStateError) -> MigrationReport {
        let from = try await currentVersion(db)
        var applied: [Int] = []
        for m in migrations where m.version > from {
            let did = try await db.transaction("migration \(m.version)") { conn in
                let logger = Logger(label: "vigil.postgres")
                try await conn.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                try await conn.query("""
                    CREATE TABLE IF NOT EXISTS vigil_schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                // Another migrator may have applied it while this one waited for the lock.
                guard try await currentVersion(conn) < m.version else { return false }
                for sql in m.statements { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await conn.query("INSERT INTO vigil_schema_migrations(version, name) VALUES (\(m.version), \(m.name))", logger: logger)
                return true
            }
            if did { applied.append(m.version) }
        }
        return MigrationReport(from: from, to: try await currentVersion(db), applied: applied)
    }

    /// Fails unless the database has exactly the schema this Vigil needs.
    public static func check(_ db: SharedDatabase) async throws(SharedStateError) {
        let current = try await currentVersion(db)
        if current < targetVersion {
            throw SharedStateError(.schema, "the shared database \(db.configuration.redactedURL) has schema version \(current); this Vigil needs \(targetVersion): run `vigil db migrate --config FILE`")
        }
        if current > targetVersion {
            throw SharedStateError(.schema, "the shared database \(db.configuration.redactedURL) has schema version \(current), newer than this Vigil's \(targetVersion): upgrade Vigil")
        }
    }
}
