import Foundation
import Logging
import VigilPostgres

/// Opens the fleet's shared database (`storage.shared`) and runs `vigil db migrate`.
public enum SharedStateRuntime {
    /// Connects (lazily: the pool connects on first use) with the password from `password_file`, if set.
    static func open(_ c: SharedStateConfiguration, baseDirectory: String?, logger: Logger) throws -> SharedDatabase {
        var password: String?
        if let file = c.passwordFile {
            password = String(decoding: try SecretFile.read(file, relativeTo: baseDirectory, what: "storage.shared.password_file"), as: UTF8.self)
        }
        return try SharedDatabase(c, password: password, logger: logger)
    }

    /// At start: a database at another schema version than this Vigil's stops the agent with the reason (run
    /// `vigil db migrate`, or upgrade Vigil); a database that cannot be reached does not (fail static: the agent
    /// starts from its cached state and the outbox keeps what it accepts until the database is back).
    static func checkSchema(_ db: SharedDatabase, logger: Logger) async throws {
        let failure: SharedStateError?
        do { try await PostgresSchema.check(db); failure = nil } catch { failure = error }
        guard let failure else { return }
        guard failure.kind == .unavailable else { throw failure }
        logger.warning("shared database unreachable at start; continuing on the last known state", metadata: ["error": "\(failure)"])
    }

    /// `vigil db migrate --config FILE`: creates or migrates the shared schema; exit status 0 when the database is
    /// at the target version afterwards.
    public static func migrate(configPath: String) async -> (status: Int32, stdout: String, stderr: String) {
        let config: AgentConfiguration
        do { config = try ConfigurationLoader.load(path: configPath) } catch {
            return (1, "", error.description + "\n")
        }
        guard let shared = config.storage.shared else {
            return (1, "", "vigil db migrate: \(configPath) has no storage.shared: the agent keeps its state in SQLite, which needs no migration\n")
        }
        let db: SharedDatabase
        do { db = try open(shared, baseDirectory: config.baseDirectory, logger: Logger(label: "vigil.db")) } catch {
            return (1, "", "vigil db migrate: \(error)\n")
        }
        defer { db.shutdown() }
        do {
            let report = try await PostgresSchema.migrate(db)
            var out = "database \(shared.redactedURL): schema version \(report.from) → \(report.to) (target \(PostgresSchema.targetVersion))\n"
            if report.applied.isEmpty {
                out += "already at the target version: nothing to do\n"
            } else {
                for v in report.applied {
                    out += "applied migration \(v): \(PostgresSchema.migrations.first { $0.version == v }?.name ?? "")\n"
                }
            }
            return (report.to == PostgresSchema.targetVersion ? 0 : 1, out, "")
        } catch {
            return (1, "", "vigil db migrate: \(error)\n")
        }
    }
}
