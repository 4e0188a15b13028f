import Foundation
import SwiftProtobuf
import VigilCore

/// The two encodings OTLP/HTTP defines, chosen by the request's `Content-Type`; the response uses the same.
enum OTLPEncoding: Sendable, Equatable {
    case protobuf, json

    /// `application/x-protobuf` or `application/json` (parameters such as `charset` ignored); nil otherwise.
    init?(contentType: String?) {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default: return nil
        }
    }

    var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }
}

/// A body that is not an `ExportLogsServiceRequest` in the declared encoding.
struct OTLPPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
}

/// Decodes `POST /v1/logs` bodies.
///
/// OTLP/JSON differs from the canonical protobuf JSON mapping in one way that matters here: `traceId` and
/// `spanId` are hexadecimal strings, not base64. Hex digits are all valid base64 characters, so handing them to
/// the protobuf JSON decoder would silently produce wrong ids; ``rewriteHexIDs(_:)`` turns them into base64
/// first. Everything else (lowerCamelCase keys, enums as numbers, 64-bit integers as strings or numbers) is what
/// swift-protobuf's JSON decoder accepts; unknown fields are ignored, as the OTLP specification asks.
enum OTLPPayload {
    static func decode(_ body: [UInt8], encoding: OTLPEncoding) throws(OTLPPayloadError) -> ExportLogsServiceRequest {
        switch encoding {
        case .protobuf:
            do {
                return try ExportLogsServiceRequest(serializedBytes: body)
            } catch {
                throw OTLPPayloadError(description: "the body is not a protobuf ExportLogsServiceRequest: \(error)")
            }
        case .json:
            let rewritten = try rewriteHexIDs(body)
            do {
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                return try ExportLogsServiceRequest(jsonUTF8Bytes: rewritten, options: options)
            } catch {
                throw OTLPPayloadError(description: "the body is not an OTLP/JSON ExportLogsServiceRequest: \(error)")
            }
        }
    }

    /// The JSON text with the string value of every `traceId` and `spanId` member (at any depth) rewritten from
    /// hexadecimal to base64; everything else is copied unchanged. An id that is not hexadecimal of an even
    /// length is an error naming the key and its byte offset. Strings are scanned with their escapes, so a
    /// `"traceId"` inside another string is left alone.
    static func rewriteHexIDs(_ json: [UInt8]) throws(OTLPPayloadError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        var i = 0
        var copied = 0
        let n = json.count
        while i < n {
            guard json[i] == UInt8(ascii: "\"") else { i += 1; continue }
            // A string: find its end.
            let start = i
            i += 1
            var escaped = false
            while i < n {
                let b = json[i]
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { break }
                i += 1
            }
            guard i < n else { return json }   // unterminated: let the JSON decoder report it
            let content = json[(start + 1)..<i]
            i += 1
            guard idKeys.contains(where: { content.elementsEqual($0.utf8) }) else { continue }
            // A key only when a colon follows.
            var j = i
            while j < n, isSpace(json[j]) { j += 1 }
            guard j < n, json[j] == UInt8(ascii: ":") else { continue }
            j += 1
            while j < n, isSpace(json[j]) { j += 1 }
            guard j < n, json[j] == UInt8(ascii: "\"") else { continue }   // null or a wrong type: the decoder reports it
            let valueStart = j + 1
            var k = valueStart
            while k < n, json[k] != UInt8(ascii: "\"") { k += 1 }
            let key = String(decoding: content, as: UTF8.self)
            guard k < n else { throw OTLPPayloadError(description: "\(key) at byte \(start): unterminated string") }
            let hex = json[valueStart..<k]
            guard let bytes = SHA256.bytes(hex: hex) else {
                throw OTLPPayloadError(description: "\(key) at byte \(start): expected hexadecimal digits (OTLP/JSON encodes ids as hex, not base64), got \"\(String(decoding: hex.prefix(64), as: UTF8.self))\"")
            }
            out.append(contentsOf: json[copied..<valueStart])
            out.append(contentsOf: Array(Data(bytes).base64EncodedString().utf8))
            copied = k
            i = k + 1
        }
        if copied == 0 { return json }
        out.append(contentsOf: json[copied...])
        return out
    }

    /// The id keys, and their proto names (which protobuf JSON decoders also accept).
    private static let idKeys = ["traceId", "spanId", "trace_id", "span_id"]

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
