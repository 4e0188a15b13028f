import Foundation
import Testing
@testable import VigilRuntime

/// `sources: - type: otlp`: defaults, values, and refusals with file:line:col.
struct OTLPSourceConfigurationTests {
    @Test func defaultsAndValues() throws {
        let defaults = try ConfigurationLoader.parse(yaml: "sources:\n  - type: otlp\n", file: "t.yaml")
        #expect(defaults.otlpSource == OTLPSourceSettings())
        #expect(defaults.otlpSource?.host == "127.0.0.1")
        #expect(defaults.otlpSource?.port == 4318)
        #expect(defaults.otlpSource?.maxRequestBytes == 10 << 20)

        let yaml = """
        sources:
          - { type: http }
          - { type: otlp, listen: "0.0.0.0:14318", max_request_bytes: 2MiB }
        """
        let config = try ConfigurationLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(config.sources.count == 2)
        #expect(config.otlpSource?.host == "0.0.0.0")
        #expect(config.otlpSource?.port == 14318)
        #expect(config.otlpSource?.maxRequestBytes == 2 << 20)
        // Without an otlp source there is none.
        #expect(try ConfigurationLoader.parse(yaml: "sources:\n  - type: http\n", file: "t.yaml").otlpSource == nil)
    }

    static let refusals: [(yaml: String, expected: String)] = [
        ("sources:\n  - { type: otlp, listen: \"4318\" }\n",
         "t.yaml:2:27: sources[0].listen: expected HOST:PORT such as 127.0.0.1:4318, got \"4318\""),
        ("sources:\n  - { type: otlp, max_request_bytes: 12 }\n",
         "t.yaml:2:38: sources[0].max_request_bytes: must be between 1024 and 1073741824 bytes, got 12"),
        ("sources:\n  - { type: otlp, lisen: \"127.0.0.1:4318\" }\n",
         "t.yaml:2:19: sources[0].lisen: unknown key \"lisen\"; did you mean \"listen\"?"),
        ("sources:\n  - { type: otlp }\n  - { type: otlp, listen: \":4319\" }\n",
         "t.yaml:3:13: sources[1].type: only one otlp source is allowed"),
        ("sources:\n  - { type: otpl }\n",
         "unknown source type \"otpl\"; types are file, http, stdin, otlp; did you mean \"otlp\"?"),
        ("auth:\n  tokens:\n    - { name: a, sha256: \"\(String(repeating: "ab", count: 32))\", roles: [ingest] }\nsources:\n  - { type: otlp, listen: \"0.0.0.0:4318\" }\n",
         "t.yaml:5:27: sources.otlp.listen: listening on 0.0.0.0 (beyond loopback) with auth tokens but without TLS"),
    ]

    @Test(arguments: refusals.indices)
    func refusedWithFileLineColumn(_ index: Int) {
        let c = Self.refusals[index]
        do {
            _ = try ConfigurationLoader.parse(yaml: c.yaml, file: "t.yaml")
            Issue.record("accepted: \(c.yaml)")
        } catch {
            #expect(error.description.contains(c.expected), "got: \(error.description)")
        }
    }
}
