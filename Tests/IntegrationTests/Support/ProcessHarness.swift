import Foundation
import Testing

/// Paths and helpers shared by the integration tests: the package's built binaries, temp folders,
/// free loopback ports, and child processes that are always ended (by PID) when a test finishes.
enum Harness {
    /// The package root, from this file's location (Tests/IntegrationTests/Support/ProcessHarness.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built `vigil` (or another product): `swift build` puts it in .build/debug.
    static func binary(_ name: String) throws -> String {
        for config in ["debug", "release"] {
            let path = packageRoot.appendingPathComponent(".build/\(config)/\(name)").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw HarnessError("\(name) is not built: run `swift build` (make test does) before the integration tests")
    }

    static func tempDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A port that was free a moment ago on 127.0.0.1 (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard named == 0 else { throw HarnessError("getsockname() failed") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A blocking HTTP request to 127.0.0.1 through URLSession-free curl, so the test needs no client library.
    static func http(_ method: String, _ url: String, headers: [String] = [], body: Data? = nil, timeout: Int = 10) throws -> (status: Int, body: Data, headers: String) {
        let dir = try tempDirectory("vigil-http")
        defer { try? FileManager.default.removeItem(at: dir) }
        var args = ["-sS", "-X", method, "--max-time", String(timeout), "-o", dir.appendingPathComponent("body").path,
                    "-D", dir.appendingPathComponent("headers").path, "-w", "%{http_code}"]
        for h in headers { args += ["-H", h] }
        if let body {
            let bodyFile = dir.appendingPathComponent("request")
            try body.write(to: bodyFile)
            args += ["--data-binary", "@\(bodyFile.path)"]
        }
        args.append(url)
        let result = try run("/usr/bin/curl", args)
        guard let status = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError("curl \(url) failed: \(result.stderr)")
        }
        let responseBody = (try? Data(contentsOf: dir.appendingPathComponent("body"))) ?? Data()
        let responseHeaders = (try? String(contentsOf: dir.appendingPathComponent("headers"), encoding: .utf8)) ?? ""
        return (status, responseBody, responseHeaders)
    }

    /// Runs a command to completion and returns its exit status and output.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Polls `body` every 100 ms until it returns a value or `seconds` pass.
    static func eventually<T>(_ what: String, seconds: Double = 30, _ body: () throws -> T?) throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        var lastError: (any Error)?
        while Date() < deadline {
            do { if let value = try body() { return value } } catch { lastError = error }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError("timed out after \(seconds) s waiting for \(what)" + (lastError.map { ": \($0)" } ?? ""))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A long-running child process (the agent, Prometheus, a mock server) whose stderr and stdout are
/// captured to files. `stop()` sends SIGTERM and waits; `deinit` kills it by PID if a test forgot.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL
    let name: String

    init(_ name: String, path: String, arguments: [String], directory: URL, environment: [String: String] = [:], stdin: FileHandle? = nil) throws {
        self.name = name
        stdoutURL = directory.appendingPathComponent("\(name).stdout")
        stderrURL = directory.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { if process.isRunning { kill(process.processIdentifier, sig) } }

    /// Waits for exit up to `seconds`; returns the exit status, or nil if it is still running.
    func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL after `grace` seconds. Returns the exit status.
    @discardableResult
    func stop(grace: Double = 10) -> Int32 {
        signal(SIGTERM)
        if let status = wait(seconds: grace) { return status }
        signal(SIGKILL)
        return wait(seconds: 5) ?? -1
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// The agent started from the built binary on a free loopback port with its own data directory.
final class AgentProcess: @unchecked Sendable {
    let child: ChildProcess
    let port: Int
    let directory: URL

    /// Starts `vigil agent` and waits until `/readyz` answers 200.
    init(arguments: [String] = [], config: String? = nil, directory: URL? = nil, environment: [String: String] = [:], stdin: FileHandle? = nil, waitReady: Bool = true) throws {
        let dir = try directory ?? Harness.tempDirectory("vigil-agent")
        self.directory = dir
        var args = ["agent", "--listen", "127.0.0.1:0", "--data-dir", dir.appendingPathComponent("data").path]
        if let config {
            let url = dir.appendingPathComponent("vigil.yaml")
            try config.write(to: url, atomically: true, encoding: .utf8)
            args += ["--config", url.path]
        }
        args += arguments
        child = try ChildProcess("vigil", path: try Harness.binary("vigil"), arguments: args, directory: dir, environment: environment, stdin: stdin)
        let child = self.child
        port = try Harness.eventually("the agent's 'server started' log line", seconds: 60) {
            guard child.isRunning else { throw HarnessError("agent exited with \(child.process.terminationStatus): \(child.stderr)") }
            return AgentProcess.listenPort(in: child.stderr)
        }
        if waitReady {
            let url = "http://127.0.0.1:\(port)/readyz"
            _ = try Harness.eventually("agent readiness", seconds: 60) { try Harness.http("GET", url).status == 200 ? true : nil }
        }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Finds `"listen":"127.0.0.1:PORT"` in the agent's JSON log.
    static func listenPort(in log: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains("\"server started\"") {
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let listen = object["listen"] as? String,
                  let colon = listen.lastIndex(of: ":") else { continue }
            return Int(listen[listen.index(after: colon)...])
        }
        return nil
    }

    func metricsText() throws -> String {
        String(decoding: try Harness.http("GET", "\(baseURL)/metrics").body, as: UTF8.self)
    }
}
