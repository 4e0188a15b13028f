import VigilCore

/// Entry points shared by the `vigil` executable's commands.
public enum VigilRuntime {
    /// `version (revision)` as printed by `vigil --version`.
    public static var versionString: String { VigilVersion.version }
}
