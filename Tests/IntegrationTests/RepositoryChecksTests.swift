import Foundation
import Testing

/// Cheap checks on the repository's own files, for promises that no compiler enforces.
@Suite struct RepositoryChecksTests {
    static let root = Harness.packageRoot

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The files below `directory` (relative to the root), skipping build output, virtual environments and
    /// other hidden or scratch folders.
    static func files(under directory: String, extensions: Set<String>) -> [URL] {
        let base = root.appendingPathComponent(directory)
        guard let walk = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isDirectoryKey]) else { return [] }
        var out: [URL] = []
        for case let url as URL in walk {
            let name = url.lastPathComponent
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                if name.hasPrefix(".") || name == "bench-out" || name == "results" { walk.skipDescendants() }
                continue
            }
            if extensions.contains(url.pathExtension) || extensions.contains(name) { out.append(url) }
        }
        return out
    }

    /// DESIGN.md: the executable imports VigilRuntime only (plus ArgumentParser and Foundation); what it needs of
    /// the lower targets is re-exported by VigilRuntime/CommandLineExports.swift.
    @Test func theExecutableImportsOnlyTheRuntime() throws {
        let allowed: Set<String> = ["ArgumentParser", "Foundation", "VigilRuntime"]
        let sources = Self.files(under: "Sources/vigil", extensions: ["swift"])
        #expect(sources.count >= 5)
        for file in sources {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") {
                let words = line.split(separator: " ")
                guard let i = words.firstIndex(of: "import"), words[..<i].allSatisfy({ $0.hasPrefix("@") || $0 == "public" }) else { continue }
                let module = words.last.map { String($0.split(separator: ".")[0]) } ?? ""
                #expect(allowed.contains(module), "\(file.lastPathComponent): \(line)")
            }
        }
    }

    /// The arena's `reset()` must stay internal: a caller resetting an arena that events still point into
    /// would corrupt their bodies.
    @Test func eventBodyArenaResetIsNotPublic() throws {
        let source = try Self.text("Sources/VigilCore/Events/Event.swift")
        let start = try #require(source.range(of: "public final class EventBodyArena"))
        let body = source[start.upperBound...]
        let end = body.range(of: "\n}\n")?.lowerBound ?? body.endIndex
        let declarations = body[..<end].split(separator: "\n").filter { $0.contains("func reset(") }
        #expect(declarations.count == 1, "\(declarations)")
        #expect(declarations.allSatisfy { !$0.contains("public") && !$0.contains("open ") }, "\(declarations)")
    }

    /// Scripts and benchmarks find `../shared` relative to the repository, never at a path of one machine.
    @Test func noAbsoluteMachinePathsInScriptsBenchmarksOrSources() throws {
        let machinePaths = ["/" + "work/", "/" + "root/", "/" + "home/"]
        var files = Self.files(under: "scripts", extensions: ["sh", "py"])
            + Self.files(under: "Benchmarks", extensions: ["sh", "py", "swift", "c", "md"])
            + Self.files(under: "Sources", extensions: ["swift", "c", "h"])
            + Self.files(under: "Tests", extensions: ["swift", "py", "sh"])
            + Self.files(under: "docs", extensions: ["md"])
        files.append(Self.root.appendingPathComponent("Makefile"))
        #expect(files.count > 100)
        var offenders: [String] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where machinePaths.contains(where: { line.contains($0) }) {
                offenders.append("\(file.path.dropFirst(Self.root.path.count + 1)):\(n + 1): \(line.prefix(120))")
            }
        }
        #expect(offenders.isEmpty, "\(offenders.prefix(10).joined(separator: "\n"))")
    }
}
