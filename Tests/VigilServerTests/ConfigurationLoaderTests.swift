import Foundation
import Testing
@testable import VigilRuntime
import VigilServer

struct ConfigurationLoaderTests {
    @Test func defaultsWithoutAFile() throws {
        let config = try ConfigurationLoader.load(path: nil)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 9750)
        #expect(config.storage.dataDir == "./vigil-data")
        #expect(config.sinks.elasticsearch == nil)
        #expect(config.sources == [.http(HTTPSourceSettings())])
    }

    @Test func aFullFileParses() throws {
        let yaml = """
        server: { listen: "127.0.0.1:9800", max_body_bytes: 5MiB }
        storage: { data_dir: /tmp/v, spool: { max_bytes: 2GiB, when_full: drop_oldest, synchronous: full } }
        auth:
          tokens:
            - { name: ci, sha256: "\(String(repeating: "ab", count: 32))", roles: [ingest, viewer] }
        sources:
          - { type: file, paths: ["/var/log/app/*.log"], format: cri, start_at: end, idle_flush: 2s }
          - { type: http }
        fields: { type: kind, timestamp: [ts] }
        redact: { builtin: [email, ip], fields: { user_id: hash }, hash_key: "0123456789abcdef-key" }
        metrics_from_logs:
          - { name: http_server_request_duration_seconds, histogram_of: latency_ms, scale: 0.001, labels: [service] }
        sinks:
          elasticsearch: { url: "http://127.0.0.1:9200", gzip_level: 1, batch: { max_events: 1000, timeout: 500ms } }
        models:
          - { name: fraud, label_ttl: 7d, detectors: [adwin, DDM], drift: [psi, ks] }
        """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.server.port == 9800)
        #expect(config.server.maxBodyBytes == 5 << 20)
        #expect(config.storage.spoolWhenFull == .drop_oldest)
        #expect(config.storage.synchronous == .full)
        #expect(config.auth.tokens.first?.roles == [.ingest, .viewer])
        // The digest is decoded once, here, not on every request.
        #expect(config.auth.tokens.first?.sha256 == [UInt8](repeating: 0xab, count: 32))
        guard case .file(let file) = config.sources.first else { Issue.record("expected a file source"); return }
        #expect(file.format == .cri && file.startAt == .end && file.idleFlushSeconds == 2)
        #expect(config.pipeline.fields.type == "kind")
        #expect(config.pipeline.metricsFromLogs.first?.scale == 0.001)
        #expect(config.sinks.elasticsearch?.batch.maxEvents == 1000)
        #expect(config.sinks.elasticsearch?.batch.timeout == .milliseconds(500))
        #expect(config.models.first?.detectors == ["adwin", "ddm"])
        #expect(config.models.first?.labelTTLSeconds == Int64(7 * 86_400))
    }

    static let cases: [(String, String)] = [
        ("server:\n  listn: x\n", "t.yaml:2:3: server.listn: unknown key \"listn\"; did you mean \"listen\"?"),
        ("server:\n  listen: nowhere\n", "t.yaml:2:11: server.listen: expected HOST:PORT"),
        ("server:\n  max_body_bytes: lots\n", "t.yaml:2:19: server.max_body_bytes: expected a size"),
        ("storage:\n  spool:\n    max_bytes: 10\n", "t.yaml:3:16: storage.spool.max_bytes: must be between"),
        ("sources:\n  - type: fil\n", "sources[0].type: unknown source type \"fil\"; types are file, http, stdin, otlp; did you mean \"file\"?"),
        ("sources:\n  - type: file\n", "sources[0].paths: a file source needs at least one path"),
        ("sinks:\n  elasticsearch:\n    url: es:9200\n", "t.yaml:3:10: sinks.elasticsearch.url: expected an http:// or https:// URL"),
        ("sinks:\n  elasticsearch:\n    url: http://x\n    gzip_level: 12\n", "sinks.elasticsearch.gzip_level: must be between 0 and 9, got 12"),
        ("sinks:\n  elasticsearch:\n    url: http://x\n    gzip_library: isal\n",
         "t.yaml:4:19: sinks.elasticsearch.gzip_library: must be one of auto, zlib, isa-l, got \"isal\"; did you mean \"isa-l\"?"),
        ("sinks:\n  elasticsearch:\n    url: http://x\n    gzip_library: isa-l\n    gzip_level: 6\n",
         "sinks.elasticsearch.gzip_level: gzip level 6 is above ISA-L's highest (3); use gzip_library: zlib or auto"),
        ("auth:\n  tokens:\n    - { name: a, sha256: abc, roles: [ingest] }\n", "auth.tokens[0].sha256: expected 64 hexadecimal digits"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \(String(repeating: "0", count: 64)), roles: [superuser] }\n",
         "auth.tokens[0].roles[0]: unknown role \"superuser\"; roles are viewer, ingest, release-manager, admin"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \(String(repeating: "g", count: 64)), roles: [ingest] }\n", "auth.tokens[0].sha256: expected 64 hexadecimal digits"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \(String(repeating: "0", count: 64)), roles: [] }\n", "auth.tokens[0].roles: a token needs at least one role"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \(String(repeating: "0", count: 64)), roles: [ingest] }\n    - { name: a, sha256: \(String(repeating: "1", count: 64)), roles: [viewer] }\n",
         "auth.tokens[1].name: the name \"a\" is already used by auth.tokens[0]"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \(String(repeating: "0", count: 64)), roles: [ingest] }\n    - { name: b, sha256: \(String(repeating: "0", count: 64)), roles: [viewer] }\n",
         "auth.tokens[1].sha256: the same token digest as auth.tokens[0]"),
        ("server:\n  tls: { cert_file: c.pem }\n", "server.tls.key_file: is required"),
        ("server:\n  tls: { cert_file: c.pem, key_file: k.pem, reload_interval: 0s }\n", "server.tls.reload_interval: must be between 1s and 1d"),
        ("server:\n  tls: { cert_file: c.pem, key_fil: k.pem }\n", "server.tls.key_fil: unknown key \"key_fil\"; did you mean \"key_file\"?"),
        ("server:\n  allow_insecure_tokens: maybe\n", "server.allow_insecure_tokens: expected true or false"),
        ("models:\n  - { name: m, detectors: [adwn] }\n", "models[0].detectors[0]: unknown detector \"adwn\"; detectors are adwin"),
        ("redact:\n  builtin: [emial]\n", "redact.builtin[0]: unknown rule \"emial\"; rules are email"),
        ("log:\n  level: loud\n", "log.level: must be one of trace, debug, info, notice, warning, error, critical, got \"loud\""),
        ("server: [1, 2]\n", "t.yaml:1:9: server: expected a mapping"),
        ("server:\n  listen: \"a\n", "t.yaml:3:1: YAML syntax error"),
    ]

    @Test(arguments: cases)
    func errorsNameFileLineColumnAndPath(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("expected an error containing: \(expected)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }

    @Test func allProblemsAreReportedAtOnce() {
        do {
            _ = try ConfigurationLoader.parse(yaml: "server:\n  listn: x\nlog:\n  level: loud\nbogus: 1\n", file: "t.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(error.issues.count == 3)
        }
    }

    @Test(arguments: [("500ms", 0.5), ("30s", 30.0), ("15m", 900.0), ("2h", 7200.0), ("7d", 604_800.0), ("12", 12.0)])
    func durations(text: String, seconds: Double) { #expect(DurationText.parse(text) == seconds) }

    @Test(arguments: [("1024", Int64(1024)), ("10MiB", Int64(10 << 20)), ("1GB", Int64(1_000_000_000)), ("512KiB", Int64(512 << 10))])
    func sizes(text: String, bytes: Int64) { #expect(ByteSize.parse(text) == bytes) }

    static let token = "auth:\n  tokens:\n    - { name: ci, sha256: \(String(repeating: "0", count: 64)), roles: [ingest] }\n"

    /// Tokens must not cross a network in clear text: beyond loopback with tokens, TLS or an explicit opt-out.
    @Test(arguments: [
        ("127.0.0.1:9750", token, nil as String?),
        ("127.3.4.5:9750", token, nil),
        ("localhost:9750", token, nil),
        ("[::1]:9750", token, nil),
        ("0.0.0.0:9750", "", nil),
        ("0.0.0.0:9750", token, "server.listen: listening on 0.0.0.0 (beyond loopback) with auth tokens but without TLS"),
        ("[::]:9750", token, "server.listen: listening on :: (beyond loopback)"),
        ("10.1.2.3:9750", token, "configure server.tls (cert_file, key_file) or set server.allow_insecure_tokens: true"),
        ("127.0.0.1.example.com:9750", token, "beyond loopback"),
    ])
    func insecureTokensRefused(listen: String, auth: String, refusal: String?) {
        do {
            _ = try ConfigurationLoader.parse(yaml: "server:\n  listen: \"\(listen)\"\n" + auth, file: "t.yaml")
            #expect(refusal == nil, "expected a refusal")
        } catch {
            if let expected = refusal { #expect(error.description.contains(expected), "got: \(error.description)") } else { Issue.record("unexpected: \(error)") }
        }
    }

    @Test(arguments: ["  allow_insecure_tokens: true\n", "  tls: { cert_file: c.pem, key_file: k.pem, client_ca_file: ca.pem, reload_interval: 10s }\n"])
    func insecureTokensAllowedWithTLSOrExplicitly(extra: String) throws {
        let config = try ConfigurationLoader.parse(yaml: "server:\n  listen: \"0.0.0.0:9750\"\n" + extra + Self.token, file: "t.yaml")
        #expect(config.server.insecureTokenProblem(tokensConfigured: true) == nil)
        if let tls = config.server.tls {
            #expect(tls == ServerTLSConfiguration(certificateFile: "c.pem", privateKeyFile: "k.pem", clientCAFile: "ca.pem", reloadIntervalSeconds: 10))
        } else {
            #expect(config.server.allowInsecureTokens)
        }
    }

    @Test func tlsFilesAreResolvedAgainstTheConfigFolderAndMustBeUsable() async throws {
        let certs = try TLSServerTests.Certificates()
        let path = certs.path("vigil.yaml")
        try "server:\n  tls: { cert_file: server.pem, key_file: /nonexistent/key.pem }\n".write(toFile: path, atomically: true, encoding: .utf8)
        try "x".write(toFile: certs.path("server.pem"), atomically: true, encoding: .utf8)
        do {
            _ = try ConfigurationLoader.load(path: path)
            Issue.record("expected an unreadable key file to be reported")
        } catch {
            #expect(error.issues.map(\.path) == ["server.tls.key_file"])
            #expect(error.description.contains("cannot read /nonexistent/key.pem"))
        }
        try "server:\n  tls: { cert_file: server.pem, key_file: server.pem }\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ConfigurationLoader.load(path: path)
            Issue.record("expected a file that is no PEM certificate to be reported")
        } catch {
            #expect(error.issues.map(\.path) == ["server.tls.cert_file"])
            #expect(error.description.contains("server.pem: cannot read a PEM certificate chain"))
        }
        try await certs.selfSigned("server")
        try "server:\n  tls: { cert_file: server.pem, key_file: server.key }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(path: path)
        #expect(config.server.tls?.certificateFile == certs.path("server.pem"))
        #expect(config.server.tls?.privateKeyFile == certs.path("server.key"))
    }

    /// `--listen` overrides the file's address after it was checked, so the agent checks the rule again;
    /// it refuses before starting anything (no storage opened, no logging set up).
    @Test func listenOverrideBeyondLoopbackWithTokensIsRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-listen-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("vigil.yaml").path
        try Self.token.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ConfigurationLoader.load(path: path).server.host == "127.0.0.1")
        let status = await Agent.main(AgentOptions(configPath: path, listen: "0.0.0.0:0", dataDir: dir.appendingPathComponent("data").path,
                                                   logLevel: nil, stdin: false))
        #expect(status == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("data").path), "the agent started before refusing")
    }
}
