import Foundation
import SwiftProtobuf
import Testing
import VigilCore
@testable import VigilOTLP

/// Decoding `POST /v1/logs` bodies: OTLP/JSON (hex ids, ints as strings or numbers, enums as numbers, unknown
/// fields) and protobuf, and the errors for bodies that are neither.
struct OTLPPayloadTests {
    static let json = #"""
    {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
      "scopeLogs":[{"scope":{"name":"lib"},"logRecords":[
        {"timeUnixNano":"1733534400000000000","severityNumber":9,"severityText":"Info",
         "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",
         "body":{"stringValue":"hello \"traceId\":\"zz\""},
         "attributes":[{"key":"n","value":{"intValue":"5"}},{"key":"m","value":{"intValue":6}},
                       {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"boolValue":true}}]}}}],
         "futureField":{"x":1}}]}]}]}
    """#

    @Test func decodesOTLPJSONWithHexIDs() throws {
        let request = try OTLPPayload.decode(Array(Self.json.utf8), encoding: .json)
        let record = try #require(request.resourceLogs.first?.scopeLogs.first?.logRecords.first)
        #expect(record.traceID == Data([0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c]))
        #expect(record.spanID.count == 8)
        #expect(record.severityNumber == .info)
        let docs = OTLPLogMapping().documents(request).map { String(decoding: $0, as: UTF8.self) }
        #expect(docs == [#"{"@timestamp":"2024-12-07T01:20:00.000000000Z","level":"info","event.severity":9,"message":"hello \"traceId\":\"zz\"","#
            + #""trace.id":"5b8efff798038103d269b633813fc60c","span.id":"eee19b7ec3c1b174","log.logger":"lib","service":"api","#
            + #""labels":{"kv":"{\"a\":true}"},"numeric_labels":{"n":5,"m":6}}"#])
    }

    @Test func protobufRoundTripGivesTheSameDocumentsAsJSON() throws {
        let fromJSON = try OTLPPayload.decode(Array(Self.json.utf8), encoding: .json)
        let bytes: [UInt8] = try fromJSON.serializedBytes()
        let fromProtobuf = try OTLPPayload.decode(bytes, encoding: .protobuf)
        #expect(OTLPLogMapping().documents(fromProtobuf) == OTLPLogMapping().documents(fromJSON))
    }

    @Test func rewritesOnlyIDValues() throws {
        let text = #"{"traceId" : "0aFF", "note":"\"spanId\":\"zz\"", "spanId":"01"}"#
        let out = String(decoding: try OTLPPayload.rewriteHexIDs(Array(text.utf8)), as: UTF8.self)
        #expect(out == #"{"traceId" : "Cv8=", "note":"\"spanId\":\"zz\"", "spanId":"AQ=="}"#)
        // Nothing to rewrite: the same bytes.
        #expect(try OTLPPayload.rewriteHexIDs(Array(#"{"a":"traceId"}"#.utf8)) == Array(#"{"a":"traceId"}"#.utf8))
    }

    static let badPayloads: [(name: String, body: [UInt8], encoding: OTLPEncoding, message: String)] = [
        ("truncated protobuf", [0x0a, 0x05, 0x01], .protobuf, "the body is not a protobuf ExportLogsServiceRequest"),
        ("JSON sent as protobuf", Array(#"{"resourceLogs":[]}"#.utf8), .protobuf, "the body is not a protobuf ExportLogsServiceRequest"),
        ("not JSON", Array("hello".utf8), .json, "the body is not an OTLP/JSON ExportLogsServiceRequest"),
        ("wrong shape", Array(#"{"resourceLogs":5}"#.utf8), .json, "the body is not an OTLP/JSON ExportLogsServiceRequest"),
        ("base64 trace id", Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"W47/95gDgQPSabYzgT/GDA=="}]}]}]}"#.utf8), .json,
         "traceId at byte 47: expected hexadecimal digits (OTLP/JSON encodes ids as hex, not base64)"),
        ("odd-length span id", Array(#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"spanId":"abc"}]}]}]}"#.utf8), .json,
         "spanId at byte 47: expected hexadecimal digits"),
    ]

    @Test(arguments: badPayloads.indices)
    func badPayloadsFailWithAClearMessage(_ index: Int) {
        let c = Self.badPayloads[index]
        #expect(throws: OTLPPayloadError.self, "\(c.name)") { try OTLPPayload.decode(c.body, encoding: c.encoding) }
        do {
            _ = try OTLPPayload.decode(c.body, encoding: c.encoding)
        } catch {
            #expect(error.description.hasPrefix(c.message), "\(c.name): \(error.description)")
        }
    }

    @Test(arguments: [("application/x-protobuf", OTLPEncoding.protobuf), ("application/json", .json),
                      ("Application/JSON; charset=utf-8", .json), ("application/protobuf", .protobuf)])
    func contentTypes(_ header: String, _ encoding: OTLPEncoding) {
        #expect(OTLPEncoding(contentType: header) == encoding)
    }

    @Test func otherContentTypesAreRefused() {
        #expect(OTLPEncoding(contentType: "text/plain") == nil)
        #expect(OTLPEncoding(contentType: "application/x-ndjson") == nil)
        #expect(OTLPEncoding(contentType: nil) == nil)
    }
}
