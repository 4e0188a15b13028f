import Foundation
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
}
