#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Testing
import VigilCore
import VigilServer

/// The agent's HTTP server over TLS on 127.0.0.1, with certificates made by `openssl` in a temp folder and
/// reached by `curl`: serving, client-certificate authentication, reloading changed files, and refusing
/// unusable files with the file named.
struct TLSServerTests {
    /// Runs a command without blocking a cooperative thread; bounded by curl's own `--max-time`.
    static func run(_ arguments: [String], in directory: URL? = nil) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, output)
    }

    /// A temp folder with certificates: `NAME.pem`/`NAME.key` pairs made by openssl.
    struct Certificates {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tls-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// A self-signed certificate for 127.0.0.1 (it is its own CA for curl's `--cacert`).
        func selfSigned(_ name: String) async throws {
            let r = try await TLSServerTests.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                  "-nodes", "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "2",
                                                  "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
            #expect(r.status == 0, "openssl: \(r.output)")
        }

        /// A client certificate `name` signed by the self-signed `ca`.
        func client(_ name: String, signedBy ca: String) async throws {
            let csr = path("\(name).csr")
            var r = try await TLSServerTests.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                  "-keyout", path("\(name).key"), "-out", csr, "-subj", "/CN=\(name)"])
            #expect(r.status == 0, "openssl: \(r.output)")
            r = try await TLSServerTests.run(["openssl", "x509", "-req", "-in", csr, "-CA", path("\(ca).pem"), "-CAkey", path("\(ca).key"),
                                              "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2"])
            #expect(r.status == 0, "openssl: \(r.output)")
        }
    }

    static func server() -> VigilHTTPServer {
        VigilHTTPServer(.init(registry: MetricRegistry(), readiness: Readiness(), authenticator: Authenticator(tokens: []),
                              ingestor: nil, logSearch: nil, maxBodyBytes: 1024, makeRequestID: { "r" }, monotonicSeconds: { 0 }))
    }

    /// Runs the server with `store` on 127.0.0.1:0 while `body` runs with the port, then shuts it down.
    static func withTLSServer(_ store: TLSCertificateStore, _ body: @Sendable (Int) async throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = server().makeApplication(host: "127.0.0.1", port: 0, tls: store, logger: logger) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { Issue.record("the server did not start"); return }
            do {
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    static func curl(_ port: Int, _ extra: [String]) async throws -> (status: Int32, output: String) {
        try await run(["curl", "-sS", "--max-time", "10", "--noproxy", "*"] + extra + ["https://127.0.0.1:\(port)/healthz"])
    }

    @Test func servesHealthzOverTLS() async throws {
        let certs = try Certificates()
        try await certs.selfSigned("server")
        let store = try TLSCertificateStore(configuration: .init(certificateFile: certs.path("server.pem"), privateKeyFile: certs.path("server.key")))
        try await Self.withTLSServer(store) { port in
            let ok = try await Self.curl(port, ["--cacert", certs.path("server.pem")])
            #expect(ok.status == 0, "curl: \(ok.output)")
            #expect(ok.output == #"{"status":"ok"}"#)
            // Without trusting the certificate, curl refuses it (60: peer certificate cannot be authenticated).
            let untrusted = try await Self.curl(port, [])
            #expect(untrusted.status == 60, "curl: \(untrusted.output)")
            // Plain HTTP to the TLS port gets no HTTP answer.
            let plain = try await Self.run(["curl", "-sS", "--max-time", "10", "--noproxy", "*", "http://127.0.0.1:\(port)/healthz"])
            #expect(plain.status != 0)
        }
    }

    @Test func clientCertificatesAreRequiredWithAClientCA() async throws {
        let certs = try Certificates()
        try await certs.selfSigned("server")
        try await certs.selfSigned("ca")
        try await certs.client("client", signedBy: "ca")
        try await certs.selfSigned("stranger")
        let store = try TLSCertificateStore(configuration: .init(certificateFile: certs.path("server.pem"), privateKeyFile: certs.path("server.key"),
                                                                 clientCAFile: certs.path("ca.pem")))
        try await Self.withTLSServer(store) { port in
            let trust = ["--cacert", certs.path("server.pem")]
            let withCert = try await Self.curl(port, trust + ["--cert", certs.path("client.pem"), "--key", certs.path("client.key")])
            #expect(withCert.status == 0, "curl: \(withCert.output)")
            #expect(withCert.output == #"{"status":"ok"}"#)
            let without = try await Self.curl(port, trust)
            #expect(without.status != 0, "a client without a certificate got in: \(without.output)")
            let wrongCA = try await Self.curl(port, trust + ["--cert", certs.path("stranger.pem"), "--key", certs.path("stranger.key")])
            #expect(wrongCA.status != 0, "a certificate from another CA got in: \(wrongCA.output)")
        }
    }

    @Test func changedFilesAreReloadedAndABadRotationKeepsTheOldCertificate() async throws {
        let certs = try Certificates()
        try await certs.selfSigned("first")
        try await certs.selfSigned("second")
        // The served files, replaced by rename as cert-manager and Kubernetes secret updates do.
        let fm = FileManager.default
        try fm.copyItem(atPath: certs.path("first.pem"), toPath: certs.path("served.pem"))
        try fm.copyItem(atPath: certs.path("first.key"), toPath: certs.path("served.key"))
        let store = try TLSCertificateStore(configuration: .init(certificateFile: certs.path("served.pem"), privateKeyFile: certs.path("served.key")))
        let registry = MetricRegistry()
        let reloader = TLSCertificateReloader(store: store, registry: registry, logger: Logger(label: "test"))
        #expect(reloader.check() == .unchanged)
        try await Self.withTLSServer(store) { port in
            #expect(try await Self.curl(port, ["--cacert", certs.path("first.pem")]).status == 0)
            for ext in ["pem", "key"] {
                try fm.copyItem(atPath: certs.path("second.\(ext)"), toPath: certs.path("next.\(ext)"))
                #expect(rename(certs.path("next.\(ext)"), certs.path("served.\(ext)")) == 0)
            }
            #expect(reloader.check() == .reloaded)
            #expect(try await Self.curl(port, ["--cacert", certs.path("second.pem")]).status == 0)
            #expect(try await Self.curl(port, ["--cacert", certs.path("first.pem")]).status == 60)
            // A half-written certificate: the reload fails and the server keeps the second certificate.
            try Data("-----BEGIN CERTIFICATE-----\ntruncated".utf8).write(to: URL(fileURLWithPath: certs.path("served.pem")))
            guard case .failed(let why) = reloader.check() else { Issue.record("expected the reload to fail"); return }
            #expect(why.contains("served.pem"))
            #expect(try await Self.curl(port, ["--cacert", certs.path("second.pem")]).status == 0)
        }
        let text = String(decoding: registry.render(.prometheusText), as: UTF8.self)
        #expect(text.contains(#"vigil_tls_reloads_total{outcome="reloaded"} 1"#))
        #expect(text.contains(#"vigil_tls_reloads_total{outcome="failed"} 1"#))
        #expect(text.contains("vigil_tls_certificate_expiry_timestamp_seconds "))
    }

    @Test func unusableFilesAreNamed() async throws {
        let certs = try Certificates()
        try await certs.selfSigned("a")
        try await certs.selfSigned("b")
        let cases: [(ServerTLSConfiguration, String)] = [
            (.init(certificateFile: certs.path("missing.pem"), privateKeyFile: certs.path("a.key")), "missing.pem"),
            (.init(certificateFile: certs.path("a.pem"), privateKeyFile: certs.path("a.pem")), "a.pem: cannot read a PEM private key"),
            (.init(certificateFile: certs.path("a.pem"), privateKeyFile: certs.path("b.key")), "b.key: the key does not fit the certificate"),
            (.init(certificateFile: certs.path("a.pem"), privateKeyFile: certs.path("a.key"), clientCAFile: certs.path("a.key")), "a.key: cannot read the PEM client CA"),
        ]
        for (configuration, expected) in cases {
            do {
                _ = try TLSCertificateStore(configuration: configuration)
                Issue.record("expected an error naming \(expected)")
            } catch {
                #expect(String(describing: error).contains(expected), "got: \(error)")
            }
        }
    }
}
