#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pathname expansion with the C library's `glob(3)`: `*`, `?`, `[...]` within one path component.
public enum Glob {
    /// The sorted regular-file paths matching `pattern` (an empty array when nothing matches).
    public static func expand(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var paths: [String] = []
        paths.reserveCapacity(Int(g.gl_pathc))
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { paths.append(String(cString: p)) }
        }
        return paths.sorted()
    }

    /// Whether `path` or its last component matches one of the `fnmatch(3)` patterns.
    public static func isExcluded(_ path: String, by patterns: [String]) -> Bool {
        guard !patterns.isEmpty else { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return patterns.contains { fnmatch($0, path, 0) == 0 || fnmatch($0, name, 0) == 0 }
    }
}
