import Foundation
import Testing

/// `make bench` and the script it runs.
@Suite struct BenchmarkScriptsTests {
    typealias Checks = RepositoryChecksTests

    /// `make bench` runs Benchmarks/run-all.sh, which must exist, be executable and name every benchmark script.
    @Test func theBenchTargetsScriptExistsAndListsEveryBenchmark() throws {
        let makefile = try Checks.text("Makefile")
        #expect(makefile.contains("./Benchmarks/run-all.sh"))
        let script = Checks.root.appendingPathComponent("Benchmarks/run-all.sh").path
        #expect(FileManager.default.isExecutableFile(atPath: script))
        let runAll = try Checks.text("Benchmarks/run-all.sh")
        let scripts = Checks.files(under: "Benchmarks", extensions: ["sh"])
            .map { String($0.path.dropFirst(Checks.root.path.count + 1)) }
            .filter { $0 != "Benchmarks/run-all.sh" && !$0.hasSuffix("drain-compare.sh") }
        #expect(scripts.count >= 8)
        for path in scripts { #expect(runAll.contains(path), "Benchmarks/run-all.sh does not run \(path)") }
        #expect(try Checks.text("docs/benchmarks.md").contains("Benchmarks/run-all.sh"))
    }
}
