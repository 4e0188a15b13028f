import Foundation
import Logging
import VigilCore

/// Entry points shared by the `vigil` executable's commands.
public enum VigilRuntime {
    /// `version (revision)` as printed by `vigil --version`.
    public static var versionString: String { "\(VigilVersion.version) (\(revision))" }

    /// The source revision, from `VIGIL_REVISION` (set by `make` and the Docker image); `unknown` otherwise.
    public static var revision: String {
        let value = ProcessInfo.processInfo.environment["VIGIL_REVISION"] ?? ""
        return value.isEmpty ? "unknown" : value
    }

    /// Starts JSON logging at the configuration's level and runs a long-lived process (`vigil agent`, `vigil
    /// controller`): 0 after a graceful shutdown, 2 when it fails (logged as critical).
    static func runLogged(_ config: AgentConfiguration, label: String, name: String,
                          _ body: (AgentConfiguration, Logger) async throws -> Void) async -> Int32 {
        let level = Logger.Level(rawValue: config.log.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let logger = Logger(label: label)
        do {
            try await body(config, logger)
            logger.info("\(name) stopped")
            return 0
        } catch {
            logger.critical("\(name) failed", metadata: ["error": "\(error)"])
            return 2
        }
    }
}
