import Foundation

/// `vigil config check`: prints every configuration problem to stderr, or a summary to stdout.
public enum ConfigCheck {
    public static func run(path: String) -> Int32 {
        do {
            let config = try ConfigurationLoader.load(path: path)
            print("\(path): OK (\(config.sources.count) source(s), listen \(config.server.host):\(config.server.port), data dir \(config.storage.dataDir))")
            return 0
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            let count = error.issues.count
            FileHandle.standardError.write(Data("\(path): \(count) problem\(count == 1 ? "" : "s") found\n".utf8))
            return 1
        }
    }
}
