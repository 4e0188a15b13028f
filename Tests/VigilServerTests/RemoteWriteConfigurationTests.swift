import Testing
import VigilHTTPClient
@testable import VigilRuntime

/// `remote_write`: absent by default, every key read, and wrong values named with file, line, column and path.
struct RemoteWriteConfigurationTests {
    @Test func absentByDefault() throws {
        #expect(try ConfigurationLoader.parse(yaml: "", file: "t.yaml").remoteWrite == nil)
    }

    @Test func everyKeyIsRead() throws {
        let yaml = """
        remote_write:
          url: https://mimir.example/api/v1/push
          interval: 30s
          external_labels: { node: edge-7, region: eu }
          queue: { max_bytes: 1MiB, max_requests: 50 }
          max_samples_per_request: 500
          timeout: 5s
          connect_timeout: 2s
          backoff: { initial: 10ms, max: 1s }
          basic_auth: { username: vigil, password_file: /run/secrets/p }
          tls: { ca_file: ca.pem, cert_file: c.pem, key_file: k.pem }

        """
        let c = try #require(try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml").remoteWrite)
        #expect(c.url == "https://mimir.example/api/v1/push")
        #expect(c.interval == .seconds(30))
        #expect(c.externalLabels == ["node": "edge-7", "region": "eu"])
        #expect(c.queueMaxBytes == 1 << 20 && c.queueMaxRequests == 50 && c.maxSamplesPerRequest == 500)
        #expect(c.timeout == .seconds(5) && c.connectTimeout == .seconds(2))
        #expect(c.backoffInitial == .milliseconds(10) && c.backoffMax == .seconds(1))
        #expect(c.authentication == .basic(username: "vigil", password: HTTPSecretSource(file: "/run/secrets/p")))
        #expect(c.tls == CurlTLSOptions(caFile: "ca.pem", certFile: "c.pem", keyFile: "k.pem"))

        let bearer = try #require(try ConfigurationLoader.parse(
            yaml: "remote_write: { url: \"http://r:9090/api/v1/write\", bearer_token_file: /t }\n", file: "t.yaml").remoteWrite)
        #expect(bearer.authentication == .bearer(HTTPSecretSource(file: "/t")))
        #expect(bearer.interval == .seconds(15) && bearer.externalLabels.isEmpty)
    }

    @Test(arguments: [
        ("remote_write: {}\n", "t.yaml:1:15: remote_write.url: is required"),
        ("remote_write:\n  url: ftp://x\n", "t.yaml:2:8: remote_write.url:"),
        ("remote_write:\n  url: http://r/w\n  interval: 5 parsecs\n", "t.yaml:3:13: remote_write.interval: expected a duration"),
        ("remote_write:\n  url: http://r/w\n  external_labels: { __x: y }\n", "t.yaml:3:22: remote_write.external_labels.__x: is not a valid label name"),
        ("remote_write:\n  url: http://r/w\n  external_labels: { a: [1] }\n", "t.yaml:3:25: remote_write.external_labels.a: expected a non-empty string"),
        ("remote_write:\n  url: http://r/w\n  external_labels: [a]\n", "t.yaml:3:20: remote_write.external_labels: expected a mapping"),
        ("remote_write:\n  url: http://r/w\n  queue: { max_bytes: 1KiB }\n", "t.yaml:3:23: remote_write.queue.max_bytes: must be between"),
        ("remote_write:\n  url: http://r/w\n  bearer_token_file: /t\n  basic_auth: { username: u, password_file: /p }\n",
         "remote_write.basic_auth: bearer_token_file/bearer_token_env and basic_auth exclude each other"),
        ("remote_write:\n  url: http://r/w\n  basic_auth: { username: u }\n", "remote_write.basic_auth.password_file: password_file or password_env is required"),
        ("remote_write:\n  url: http://r/w\n  tls: { cert_file: c.pem }\n", "remote_write.tls.key_file: cert_file and key_file go together"),
        ("remote_write:\n  url: http://r/w\n  intervall: 1s\n", "t.yaml:3:3: remote_write.intervall: unknown key \"intervall\"; did you mean \"interval\"?"),
    ])
    func wrongValuesAreNamed(yaml: String, expected: String) {
        do {
            _ = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
            Issue.record("expected an error containing: \(expected)")
        } catch {
            #expect(error.description.contains(expected), "got: \(error.description)")
        }
    }
}
