import Foundation
import Testing
@testable import VigilHTTPClient

/// TLS options reach libcurl: a loopback `openssl s_server` with a CA made in the test.
@Suite(.serialized) struct CurlTLSTests {
    final class TLSFixture: @unchecked Sendable {
        let directory: String
        var servers: [Process] = []

        init() throws {
            directory = NSTemporaryDirectory() + "vigil-tls-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                .write(toFile: path("ext.cnf"), atomically: true, encoding: .utf8)
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Vigil Test CA"])
            for name in ["server", "client"] {
                try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=127.0.0.1"])
                try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                             "-out", "\(name).pem", "-days", "2", "-extfile", "ext.cnf"])
            }
        }

        deinit {
            // s_server ignores SIGTERM while it waits for a connection: SIGKILL, then reap.
            for server in servers where server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
            try? FileManager.default.removeItem(atPath: directory)
        }

        func path(_ name: String) -> String { directory + "/" + name }

        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " "))")
        }

        /// Starts `openssl s_server -www` on a free loopback port; with `requireClientCertificate`, mutual TLS.
        func startServer(requireClientCertificate: Bool = false) async throws -> Int {
            let port = try Self.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", path("server.pem"), "-key", path("server.key"), "-www", "-quiet"]
                + (requireClientCertificate ? ["-Verify", "1", "-CAfile", path("ca.pem")] : [])
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            servers.append(process)
            // Ready when it accepts a TCP connection.
            let client = CurlClient(configuration: .init(connectTimeout: .seconds(1), tls: .init(insecureSkipVerify: true)))
            defer { client.shutdown() }
            for _ in 0..<100 {
                do {
                    _ = try await client.send(CurlRequest(method: "GET", url: "https://127.0.0.1:\(port)/"))
                    break
                } catch let error where error.isConnectFailure {
                    try await Task.sleep(for: .milliseconds(50))
                } catch {
                    break   // reached the server (a handshake failure with mutual TLS)
                }
            }
            return port
        }

        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw CurlError(code: -1, message: "cannot find a free port", url: "") }
            return Int(UInt16(bigEndian: address.sin_port))
        }
    }

    @Test func verificationFailsWithoutTheCAAndSucceedsWithIt() async throws {
        let fixture = try TLSFixture()
        let port = try await fixture.startServer()
        let url = "https://127.0.0.1:\(port)/"

        let untrusted = CurlClient(configuration: .init(tls: .init()))
        defer { untrusted.shutdown() }
        do {
            _ = try await untrusted.send(CurlRequest(method: "GET", url: url))
            Issue.record("a certificate from an unknown CA was accepted")
        } catch {
            #expect(error.isTLSFailure, "\(error)")
        }

        let trusted = CurlClient(configuration: .init(tls: .init(caFile: fixture.path("ca.pem"))))
        defer { trusted.shutdown() }
        let response = try await trusted.send(CurlRequest(method: "GET", url: url))
        #expect(response.status == 200)

        let insecure = CurlClient(configuration: .init(tls: .init(insecureSkipVerify: true)))
        defer { insecure.shutdown() }
        #expect(try await insecure.send(CurlRequest(method: "GET", url: url)).status == 200)
    }

    @Test func clientCertificateIsPresented() async throws {
        let fixture = try TLSFixture()
        let port = try await fixture.startServer(requireClientCertificate: true)
        let url = "https://127.0.0.1:\(port)/"

        let withoutCertificate = CurlClient(configuration: .init(tls: .init(caFile: fixture.path("ca.pem"))))
        defer { withoutCertificate.shutdown() }
        await #expect(throws: CurlError.self) { _ = try await withoutCertificate.send(CurlRequest(method: "GET", url: url)) }

        let withCertificate = CurlClient(configuration: .init(tls: .init(caFile: fixture.path("ca.pem"), certFile: fixture.path("client.pem"),
                                                                          keyFile: fixture.path("client.key"))))
        defer { withCertificate.shutdown() }
        #expect(try await withCertificate.send(CurlRequest(method: "GET", url: url)).status == 200)
    }

    @Test func errorsNeverCarryURLCredentials() {
        let error = CurlError(code: 7, message: "Failed to connect", url: "https://elastic:hunter2@es.example:9200/_bulk?x=1")
        #expect(error.url == "https://es.example:9200/_bulk?x=1")
        #expect(!"\(error)".contains("hunter2"))
        #expect(CurlError.redact("http://127.0.0.1:9200/a@b") == "http://127.0.0.1:9200/a@b")
    }
}
