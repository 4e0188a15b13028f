import Foundation
import SwiftProtobuf
import Testing
import VigilCore
@testable import VigilOTLP

/// OTLP log records → the JSON documents the pipeline takes, by tables of records and the exact documents.
struct OTLPLogMappingTests {
    static func kv(_ key: String, _ value: AnyValue) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value = value
        return kv
    }
    static func s(_ text: String) -> AnyValue { var v = AnyValue(); v.stringValue = text; return v }
    static func i(_ n: Int64) -> AnyValue { var v = AnyValue(); v.intValue = n; return v }
    static func d(_ x: Double) -> AnyValue { var v = AnyValue(); v.doubleValue = x; return v }
    static func b(_ x: Bool) -> AnyValue { var v = AnyValue(); v.boolValue = x; return v }
    static func bytes(_ x: [UInt8]) -> AnyValue { var v = AnyValue(); v.bytesValue = Data(x); return v }
    static func array(_ xs: [AnyValue]) -> AnyValue { var v = AnyValue(); v.arrayValue.values = xs; return v }
    static func map(_ xs: [KeyValue]) -> AnyValue { var v = AnyValue(); v.kvlistValue.values = xs; return v }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var record: LogRecord
        var scope: InstrumentationScope?
        var resource: [KeyValue]
        var fields = PipelineConfiguration.Fields()
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        var out: [Case] = []

        var full = LogRecord()
        full.timeUnixNano = 1_733_534_400_123_456_789
        full.observedTimeUnixNano = 1_733_534_499_000_000_000
        full.severityText = "WARNING"
        full.severityNumber = .warn
        full.body = s("card declined")
        full.traceID = Data((1...16).map { UInt8($0) })
        full.spanID = Data((0x11...0x18).map { UInt8($0) })
        full.attributes = [kv("code.lineno", i(42)), kv("user.id", s("u-1")), kv("http.response.status_code", i(402)),
                           kv("retry", b(true)), kv("ratio", d(0.5)), kv("tags", array([s("a"), s("b")]))]
        var scope = InstrumentationScope()
        scope.name = "app.payments"
        scope.version = "0.1"
        out.append(Case(
            name: "string body, severity text, ids, ECS attributes, k8s resource, labels",
            record: full, scope: scope,
            resource: [kv("service.name", s("checkout")), kv("service.version", s("1.4.2")), kv("deployment.environment.name", s("prod")),
                       kv("k8s.namespace.name", s("shop")), kv("k8s.pod.name", s("checkout-7f9")), kv("telemetry.sdk.language", s("python"))],
            expected: #"{"@timestamp":"2024-12-07T01:20:00.123456789Z","level":"warning","event.severity":13,"message":"card declined","#
                + #""trace.id":"0102030405060708090a0b0c0d0e0f10","span.id":"1112131415161718","log.logger":"app.payments","#
                + #""log.origin.file.line":42,"user.id":"u-1","http.response.status_code":402,"service":"checkout","service.version":"1.4.2","#
                + #""service.environment":"prod","kubernetes.namespace":"shop","kubernetes.pod.name":"checkout-7f9","orchestrator.type":"kubernetes","#
                + #""labels":{"retry":"true","tags":"[\"a\",\"b\"]","telemetry_sdk_language":"python","otel_scope_version":"0.1"},"numeric_labels":{"ratio":0.5}}"#))

        var structured = LogRecord()
        structured.observedTimeUnixNano = 1_733_534_400_000_000_007
        structured.severityNumber = .error2
        structured.body = map([kv("msg", s("x")), kv("order", map([kv("id", i(7)), kv("items", array([i(1), d(2.5)]))])),
                               kv("level", s("ignored: the severity wins")), kv("blob", bytes([0xde, 0xad]))])
        out.append(Case(
            name: "map body becomes fields; observed time when no time; level from the severity number",
            record: structured, scope: nil, resource: [],
            expected: #"{"@timestamp":"2024-12-07T01:20:00.000000007Z","level":"error","event.severity":18,"msg":"x","order":{"id":7,"items":[1,2.5]},"blob":"3q0="}"#))

        out.append(Case(name: "an empty record is an empty object (the pipeline stamps the receive time)",
                        record: LogRecord(), scope: nil, resource: [], expected: "{}"))

        var scalar = LogRecord()
        scalar.body = d(.nan)
        scalar.traceID = Data(repeating: 0, count: 16)
        scalar.spanID = Data()
        scalar.eventName = "payment.failed"
        out.append(Case(name: "non-finite double body, all-zero trace id omitted, event name",
                        record: scalar, scope: nil, resource: [], expected: #"{"message":"NaN","event.action":"payment.failed"}"#))

        var overriding = LogRecord()
        overriding.body = i(42)
        overriding.attributes = [kv("service.name", s("from-record")), kv("host.name", s("node-a")), kv("model", s("fraud")),
                                 kv("variant", s("canary")), kv("exception.type", s("ValueError")),
                                 kv("exception.stacktrace", s("Traceback...\n  line 1")), kv("nested", map([kv("a", b(false))]))]
        out.append(Case(name: "record attributes win over resource ones; model and variant pass through; exception → error.*",
                        record: overriding, scope: nil,
                        resource: [kv("service.name", s("from-resource")), kv("host.name", s("node-b")), kv("k8s.cluster.name", s("eu-1"))],
                        expected: #"{"message":"42","service":"from-record","host.name":"node-a","model":"fraud","variant":"canary","#
                            + #""error.type":"ValueError","error.stack_trace":"Traceback...\n  line 1","orchestrator.cluster.name":"eu-1","#
                            + #""orchestrator.type":"kubernetes","labels":{"nested":"{\"a\":false}"}}"#))

        var custom = LogRecord()
        custom.timeUnixNano = 1_000_000_000
        custom.severityText = "Info"
        custom.body = s("hi")
        out.append(Case(name: "the configured field names are used",
                        record: custom, scope: nil, resource: [kv("service.name", s("api"))],
                        fields: PipelineConfiguration.Fields(timestamp: ["ts", "@timestamp"], service: "svc", level: "severity", message: "msg"),
                        expected: #"{"ts":"1970-01-01T00:00:01.000000000Z","severity":"info","msg":"hi","svc":"api"}"#))
        return out
    }()

    @Test(arguments: cases)
    func mapsRecordToDocument(_ c: Case) throws {
        let document = OTLPLogMapping(fields: c.fields).document(c.record, scope: c.scope, resource: c.resource)
        #expect(String(decoding: document, as: UTF8.self) == c.expected)
        // Every document is one valid JSON object.
        #expect(try JSONSerialization.jsonObject(with: Data(document)) is [String: Any])
    }

    @Test(arguments: [(0, nil), (1, "trace"), (4, "trace"), (5, "debug"), (9, "info"), (12, "info"), (13, "warn"),
                      (17, "error"), (21, "fatal"), (24, "fatal"), (25, nil)] as [(Int, String?)])
    func levelFromSeverityNumber(_ number: Int, _ level: String?) {
        #expect(OTLPLogMapping.level(text: "", number: number) == level)
        #expect(OTLPLogMapping.level(text: "CRITICAL", number: number) == "critical")
    }

    @Test func documentsFollowRequestOrderAcrossResourcesAndScopes() {
        var request = ExportLogsServiceRequest()
        for r in 0..<2 {
            var resourceLogs = ResourceLogs()
            resourceLogs.resource.attributes = [Self.kv("service.name", Self.s("svc\(r)"))]
            for sc in 0..<2 {
                var scopeLogs = ScopeLogs()
                scopeLogs.scope.name = "scope\(sc)"
                for l in 0..<2 {
                    var record = LogRecord()
                    record.body = Self.s("\(r)\(sc)\(l)")
                    scopeLogs.logRecords.append(record)
                }
                resourceLogs.scopeLogs.append(scopeLogs)
            }
            request.resourceLogs.append(resourceLogs)
        }
        let docs = OTLPLogMapping().documents(request).map { String(decoding: $0, as: UTF8.self) }
        #expect(docs.count == 8)
        #expect(docs[0] == #"{"message":"000","log.logger":"scope0","service":"svc0"}"#)
        #expect(docs[7] == #"{"message":"111","log.logger":"scope1","service":"svc1"}"#)
    }
}

extension OTLPLogMappingTests {
    @Test(arguments: [0, 7, -7, 10, 1_234_567_890, Int64.max, Int64.min] as [Int64])
    func integersAreWrittenAsDecimal(_ value: Int64) {
        var out: [UInt8] = []
        JSONObjectBuilder.appendInteger(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == String(value))
    }
}
