/// The agent's version, reported in `vigil_build_info` and `vigil --version`.
public enum VigilVersion {
    public static let version = "0.1.0"
}
