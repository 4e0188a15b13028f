#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few file-system calls the stores need, without Foundation.
enum FileSystem {
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// `mkdir -p`.
    static func createDirectory(_ path: String) throws {
        guard !path.isEmpty else { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw SQLiteError(code: 14 /* SQLITE_CANTOPEN */, message: "cannot create directory \(prefix) (errno \(errno))")
            }
            prefix += "/"
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
