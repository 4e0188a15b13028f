import Foundation
import Testing

/// The built agent with an `otlp` source, fed by the OpenTelemetry Python SDK's own exporter (installed from
/// PyPI into a venv, pinned) and by a hand-written OTLP/JSON request; the events are read back through the
/// embedded log store's search API.
@Suite(.serialized)
struct OTLPSDKTests {
    static let pins = ["opentelemetry-sdk==1.45.2", "opentelemetry-exporter-otlp-proto-http==1.45.2"]

    /// `.venv-otlp` at the package root (git-ignored), created and filled once; later runs reuse it.
    static func python() throws -> String {
        let venv = Harness.packageRoot.appendingPathComponent(".venv-otlp")
        let python = venv.appendingPathComponent("bin/python").path
        let stamp = venv.appendingPathComponent("vigil-pins.txt")
        let wanted = pins.joined(separator: "\n")
        if FileManager.default.isExecutableFile(atPath: python),
           (try? String(contentsOf: stamp, encoding: .utf8)) == wanted {
            return python
        }
        let made = try Harness.run("/usr/bin/env", ["python3", "-m", "venv", "--clear", venv.path])
        guard made.status == 0 else { throw HarnessError("python3 -m venv failed (python3-venv is in APT_PACKAGES): \(made.stderr)") }
        let installed = try Harness.run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + pins)
        guard installed.status == 0 else { throw HarnessError("pip install \(pins) failed: \(installed.stderr)") }
        try wanted.write(to: stamp, atomically: true, encoding: .utf8)
        return python
    }

    static func search(_ agent: AgentProcess, _ query: String) throws -> [[String: Any]] {
        let response = try Harness.http("GET", "\(agent.baseURL)/v1/logs/search?\(query)")
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let hits = object["hits"] as? [[String: Any]] else {
            throw HarnessError("search \(query): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return hits
    }

    static func body(_ hit: [String: Any]) throws -> [String: Any] {
        guard let text = hit["body"] as? String,
              let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HarnessError("hit without a JSON body: \(hit)")
        }
        return object
    }

    @Test func pythonSDKExportAndOTLPJSONArriveAsEventsWithECSFields() throws {
        let python = try Self.python()
        let otlpPort = try Harness.freePort()
        let agent = try AgentProcess(config: """
            sources:
              - type: http
              - type: otlp
                listen: 127.0.0.1:\(otlpPort)
                max_request_bytes: 1MiB
            """)
        defer { agent.child.stop() }
        #expect(agent.child.stderr.contains("\"otlp receiver started\""))

        // 1. The SDK: LoggingHandler -> BatchLogRecordProcessor -> OTLPLogExporter (protobuf over HTTP).
        let emit = try Harness.run(python, [Harness.packageRoot.appendingPathComponent("scripts/otlp-sdk-emit.py").path,
                                            "http://127.0.0.1:\(otlpPort)/v1/logs"])
        #expect(emit.status == 0, "otlp-sdk-emit.py: \(emit.stdout) \(emit.stderr)")
        let ids = try #require(try JSONSerialization.jsonObject(with: Data(emit.stdout.utf8)) as? [String: Any])
        let traceID = try #require(ids["trace_id"] as? String)
        let spanID = try #require(ids["span_id"] as? String)
        let exports = try #require(ids["exports"] as? Int)

        let hits = try Harness.eventually("the SDK's three records in the log store") {
            let hits = try Self.search(agent, "service=checkout-py&limit=10")
            return hits.count == 3 ? hits : nil
        }
        let byMessage = Dictionary(uniqueKeysWithValues: try hits.map { ($0["message"] as? String ?? "", try Self.body($0)) })
        #expect(Set(byMessage.keys) == ["order placed", "card issuer slow", "charge failed"])
        #expect(Set(hits.compactMap { $0["source"] as? String }) == ["otlp"])
        // The SDK sends Python's WARNING as severity_text "WARN".
        #expect(Set(hits.compactMap { $0["level"] as? String }) == ["info", "warn", "error"])

        let placed = try #require(byMessage["order placed"])
        #expect(placed["trace.id"] as? String == traceID)
        #expect(placed["span.id"] as? String == spanID)
        #expect(placed["event.severity"] as? Int == 9)
        #expect(placed["log.logger"] as? String == "shop.payments")
        #expect(placed["service"] as? String == "checkout-py")
        #expect(placed["service.version"] as? String == "2.0.1")
        #expect(placed["service.environment"] as? String == "test")
        #expect(placed["kubernetes.pod.name"] as? String == "checkout-0")
        #expect(placed["orchestrator.type"] as? String == "kubernetes")
        #expect((placed["service.node.name"] as? String)?.isEmpty == false)
        #expect(placed["log.origin.function"] as? String == "<module>")
        #expect((placed["log.origin.file.line"] as? Int ?? 0) > 0)
        let labels = try #require(placed["labels"] as? [String: Any])
        #expect(labels["order_id"] as? String == "o-17")
        #expect(labels["team"] as? String == "payments")
        #expect(labels["telemetry_sdk_language"] as? String == "python")
        let numeric = try #require(placed["numeric_labels"] as? [String: Any])
        #expect(numeric["amount"] as? Double == 12.5)
        #expect(numeric["attempt"] as? Int == 2)
        // Logged outside the span: no trace context.
        #expect(byMessage["card issuer slow"]?["trace.id"] == nil)
        let failed = try #require(byMessage["charge failed"])
        #expect(failed["error.type"] as? String == "ValueError")
        #expect(failed["error.message"] as? String == "card declined")
        #expect((failed["error.stack_trace"] as? String)?.contains("Traceback") == true)

        // 2. OTLP/JSON by hand: hex ids, an int64 as a string, a map body, gzip not needed.
        let nanos = UInt64(Date().timeIntervalSince1970 * 1e9)
        let json = """
            {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
             "scopeLogs":[{"scope":{"name":"curl"},"logRecords":[{"timeUnixNano":"\(nanos)","severityNumber":17,
               "traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
               "body":{"kvlistValue":{"values":[{"key":"message","value":{"stringValue":"json works"}},
                                                {"key":"bytes_sent","value":{"intValue":"512"}}]}}}]}]}]}
            """
        let posted = try Harness.http("POST", "http://127.0.0.1:\(otlpPort)/v1/logs", headers: ["Content-Type: application/json"], body: Data(json.utf8))
        #expect(posted.status == 200)
        #expect(String(decoding: posted.body, as: UTF8.self) == "{}")
        let jsonHit = try Harness.eventually("the JSON record in the log store") { try Self.search(agent, "service=json-svc").first }
        let jsonBody = try Self.body(jsonHit)
        #expect(jsonHit["message"] as? String == "json works")
        #expect(jsonHit["level"] as? String == "error")
        #expect(jsonBody["trace.id"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(jsonBody["span.id"] as? String == "b7ad6b7169203331")
        #expect(jsonBody["bytes_sent"] as? Int == 512)

        // 3. A bad payload: 400 with a Status saying why, counted; the agent keeps serving.
        let bad = try Harness.http("POST", "http://127.0.0.1:\(otlpPort)/v1/logs", headers: ["Content-Type: application/json"],
                                   body: Data(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"not-hex"}]}]}]}"#.utf8))
        #expect(bad.status == 400)
        #expect(String(decoding: bad.body, as: UTF8.self).contains("expected hexadecimal digits"))
        let wrongType = try Harness.http("POST", "http://127.0.0.1:\(otlpPort)/v1/logs", headers: ["Content-Type: text/plain"], body: Data("x".utf8))
        #expect(wrongType.status == 415)

        let metrics = try agent.metricsText()
        #expect(metrics.contains("vigil_ingest_requests_total{endpoint=\"otlp_logs\",outcome=\"accepted\"} \(exports + 1)"))
        #expect(metrics.contains(#"vigil_ingest_requests_total{endpoint="otlp_logs",outcome="bad_request"} 2"#))
        #expect(metrics.contains(#"vigil_otlp_log_records_total{outcome="accepted"} 4"#))
        #expect(metrics.contains(#"vigil_events_received_total{source="otlp"} 4"#))
    }
}
