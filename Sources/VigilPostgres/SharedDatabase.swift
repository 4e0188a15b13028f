import Logging
import NIOSSL
import PostgresNIO

/// A failure of the shared database, said without secrets: what was being done, where (the URL without its
/// password), and PostgreSQL's own message when the server sent one.
public struct SharedStateError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// No connection in time, or the connection broke: the database is down or unreachable. Retry later.
        case unavailable
        /// The server refused the statement (its message says why).
        case server
        /// The schema is missing or older than this Vigil needs: run `vigil db migrate`.
        case schema
        /// A file or setting is unusable (CA file, password file).
        case configuration
    }

    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The connection pool to the shared PostgreSQL database, and the one place that bounds every operation in time
/// and turns postgres-nio's errors into ``SharedStateError``s.
///
/// Invariants:
/// - every operation ends within the configured timeout (a down database fails an operation; it never hangs one);
/// - no error or log line carries the password.
///
/// The pool runs in a task of its own from `init` to ``shutdown()``.
public final class SharedDatabase: Sendable {
    public let configuration: SharedStateConfiguration
    let client: PostgresClient
    let logger: Logger
    private let runner: Task<Void, Never>

    /// - Parameters:
    ///   - password: from `password_file` (the URL's own password is used when this is nil).
    public init(_ configuration: SharedStateConfiguration, password: String?, logger: Logger) throws(SharedStateError) {
        var config = PostgresClient.Configuration(host: configuration.host, port: configuration.port,
                                                  username: configuration.user,
                                                  password: password ?? configuration.inlinePassword,
                                                  database: configuration.database, tls: try Self.tls(configuration))
        config.options.connectTimeout = .milliseconds(configuration.timeoutMillis)
        config.options.maximumConnections = 8
        config.options.minimumConnections = 0
        config.options.connectionIdleTimeout = .seconds(60)
        self.configuration = configuration
        self.logger = logger
        // postgres-nio's background logging is off: its metadata can carry connection details.
        let client = PostgresClient(configuration: config)
        self.client = client
        runner = Task { await client.run() }
    }

    /// Closes the pool (waits for nothing: open operations fail).
    public func shutdown() { runner.cancel() }

    private static func tls(_ c: SharedStateConfiguration) throws(SharedStateError) -> PostgresClient.Configuration.TLS {
        var context = TLSConfiguration.makeClientConfiguration()
        switch c.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            context.certificateVerification = .none
            return c.tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            if let ca = c.caFile {
                do { context.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) } catch {
                    throw SharedStateError(.configuration, "storage.shared.tls.ca_file: cannot read PEM certificates from \(ca): \(error)")
                }
            }
            context.certificateVerification = .fullVerification
            return .require(context)
        }
    }

    /// Runs `body` in one transaction, bounded by the timeout.
    func transaction<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(SharedStateError) -> T {
        let logger = self.logger
        return try await bounded(what) { client in
            try await client.withConnection { conn in
                try await conn.query("BEGIN", logger: logger)
                do {
                    let value = try await body(conn)
                    try await conn.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// Runs `body` on a pooled connection, bounded by the timeout.
    func connection<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(SharedStateError) -> T {
        try await bounded(what) { client in try await client.withConnection { try await body($0) } }
    }

    private func bounded<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresClient) async throws -> T) async throws(SharedStateError) -> T {
        let client = self.client
        let timeout = configuration.timeoutMillis
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(timeout))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw SharedStateError(.unavailable, "\(what): PostgreSQL at \(configuration.redactedURL) did not answer within \(timeout) ms")
                }
                return value
            }
        } catch let error as SharedStateError {
            throw error
        } catch {
            throw describe(error, what)
        }
    }

    /// PostgreSQL's message for server errors; the kind of failure otherwise (postgres-nio's own description is
    /// deliberately vague; `String(reflecting:)` would include the query's bindings).
    func describe(_ error: any Error, _ what: String) -> SharedStateError {
        let at = "PostgreSQL at \(configuration.redactedURL)"
        if let p = error as? PSQLError {
            if p.code == .server, let info = p.serverInfo {
                let state = info[.sqlState] ?? ""
                let message = info[.message] ?? "error"
                // 57P01 admin shutdown, 57P03 cannot connect now (starting up or shutting down), 08xxx connection.
                let unavailable = state.hasPrefix("08") || state.hasPrefix("57P")
                let schema = state == "42P01"  // undefined table
                return SharedStateError(unavailable ? .unavailable : schema ? .schema : .server,
                                        "\(what): \(at): \(message) (SQLSTATE \(state))\(schema ? "; run `vigil db migrate`" : "")")
            }
            let cause = p.underlying.map { ": \($0)" } ?? ""
            return SharedStateError(.unavailable, "\(what): \(at): \(p.code)\(cause)")
        }
        if error is CancellationError { return SharedStateError(.unavailable, "\(what): \(at): cancelled") }
        return SharedStateError(.unavailable, "\(what): \(at): \(error)")
    }
}
