import Foundation
import VigilCore
import VigilGzip

/// A response the mock sends: status, body, and the fault behaviour for it.
struct MockResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var contentType: String = "application/json"
    var closeMidway = false
    var delayMilliseconds = 0
    /// Extra headers (e.g. `X-elastic-product`).
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ text: String) -> MockResponse {
        MockResponse(status: status, body: Array(text.utf8))
    }

    /// An Elasticsearch error body as ES 8 writes it (`root_cause`, `type`, `reason`, `status`).
    static func error(_ status: Int, type: String, reason: String) -> MockResponse {
        var cause: [UInt8] = []
        cause.append(contentsOf: Array(#"{"type":"#.utf8)); BulkEncoder.appendJSONString(type, to: &cause)
        cause.append(contentsOf: Array(#","reason":"#.utf8)); BulkEncoder.appendJSONString(reason, to: &cause)
        cause.append(UInt8(ascii: "}"))
        var body = Array(#"{"error":{"root_cause":["#.utf8) + cause + Array("],".utf8)
        body.append(contentsOf: cause.dropFirst().dropLast())
        body.append(contentsOf: Array("},\"status\":\(status)}".utf8))
        return MockResponse(status: status, body: body)
    }
}

/// Everything the mock remembers, guarded by one lock in `MockElasticsearch`.
struct MockBulkState {
    struct Limits: Sendable {
        var maxRequestBytes: Int
        var storeBodies: Bool
        var strictJSON: Bool
        var countField: String?
    }

    var indices: [String: [String: [UInt8]]] = [:]
    var documentCount = 0
    var duplicatesAttempted = 0
    var requests = 0
    var bulkRequests = 0
    var itemsReceived = 0
    var itemsRejected = 0
    var itemFaultsInjected = 0
    var requestFaultsInjected = 0
    var bytesReceived = 0
    var bytesDecoded = 0
    var gzipRequests = 0
    var faults = MockFaults.none
    var rng = SplitMix64(seed: 0)
    var wholeNextRemaining = 0
    var closeNextRemaining = 0
    var nextAutoID = 0
    var seqNo = 0
    var templates: [String: [UInt8]] = [:]
    var policies: [String: [UInt8]] = [:]
    var lastAuthorization: String?
    /// The journal file's descriptor (-1: no journal) and the lines of documents created by the request being handled.
    var journalFD: Int32 = -1
    var journalPending: [UInt8] = []
    // Line numbers seen through `countField` (first 8 hex digits), for counting peers' loss/duplicates.
    var seenLines: [UInt64] = []
    var uniqueLines = 0
    var duplicateLines = 0

    mutating func setFaults(_ newFaults: MockFaults) {
        faults = newFaults
        if let seed = newFaults.seed { rng = SplitMix64(seed: seed) }
        wholeNextRemaining = newFaults.wholeRequest?.next ?? 0
        closeNextRemaining = newFaults.closeMidResponseNext ?? 0
    }

    // MARK: Journal

    /// `index<TAB>id<TAB>document` (the document is one NDJSON line, so it holds no newline).
    mutating func appendJournalLine(index: String, id: String, source: [UInt8]) {
        journalPending.append(contentsOf: Array(index.utf8))
        journalPending.append(9)
        journalPending.append(contentsOf: Array(id.utf8))
        journalPending.append(9)
        journalPending.append(contentsOf: source)
        journalPending.append(10)
    }

    /// Loads the documents of an existing journal (a node restarted on its data), then appends to it.
    mutating func openJournal(path: String, storeBodies: Bool) throws {
        if let data = FileManager.default.contents(atPath: path) {
            for entry in MockElasticsearch.readJournal(Array(data)) where indices[entry.index]?[entry.id] == nil {
                indices[entry.index, default: [:]][entry.id] = storeBodies ? entry.document : []
                documentCount += 1
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        journalFD = fd
    }

    // MARK: _bulk

    mutating func bulk(urlIndex: String?, query: [String: String], contentType: String?, contentEncoding: String?,
                       body rawBody: [UInt8], limits: Limits) -> MockResponse {
        bulkRequests += 1
        bytesReceived += rawBody.count
        let delay = faults.delayMilliseconds ?? 0
        var response = bulkResponse(urlIndex: urlIndex, query: query, contentType: contentType,
                                    contentEncoding: contentEncoding, rawBody: rawBody, limits: limits)
        response.delayMilliseconds = delay
        // Written before the response exists, so whatever a client saw acknowledged survives a SIGKILL.
        if journalFD >= 0, !journalPending.isEmpty {
            journalPending.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let n = write(journalFD, bytes.baseAddress! + offset, bytes.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
            journalPending.removeAll(keepingCapacity: true)
        }
        if response.status == 200 {
            if closeNextRemaining > 0 {
                closeNextRemaining -= 1
                response.closeMidway = true
            } else if rng.chance(faults.closeMidResponseFraction ?? 0) {
                response.closeMidway = true
            }
        }
        return response
    }

    private mutating func bulkResponse(urlIndex: String?, query: [String: String], contentType: String?, contentEncoding: String?,
                                       rawBody: [UInt8], limits: Limits) -> MockResponse {
        if rawBody.count > limits.maxRequestBytes { return MockResponse(status: 413, body: []) }
        guard let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: " ").lowercased() else {
            return .json(406, #"{"error":"Content-Type header is missing","status":406}"#)
        }
        let accepted = ["application/x-ndjson", "application/json", "application/vnd.elasticsearch+x-ndjson", "application/vnd.elasticsearch+json"]
        guard accepted.contains(type) else {
            var body = Array(#"{"error":"Content-Type header ["#.utf8)
            body.append(contentsOf: Array((contentType ?? "").utf8))
            body.append(contentsOf: Array(#"] is not supported","status":406}"#.utf8))
            return MockResponse(status: 406, body: body)
        }
        var body = rawBody
        switch contentEncoding?.lowercased() {
        case nil, "identity":
            break
        case "gzip":
            gzipRequests += 1
            do {
                body = try Gzip.decompress(rawBody, maxOutputBytes: limits.maxRequestBytes)
            } catch GzipError.tooLarge {
                return MockResponse(status: 413, body: [])
            } catch {
                return .error(400, type: "parse_exception", reason: "failed to decompress the request body: \(error)")
            }
        default:
            return .error(400, type: "illegal_argument_exception", reason: "unsupported Content-Encoding [\(contentEncoding ?? "")]")
        }
        bytesDecoded += body.count

        // Whole-request faults come after reading the body, as a loaded node answers.
        if let whole = faults.wholeRequest {
            if wholeNextRemaining > 0 {
                wholeNextRemaining -= 1
                requestFaultsInjected += 1
                return wholeFault(whole.status)
            }
            if rng.chance(whole.fraction ?? 0) {
                requestFaultsInjected += 1
                return wholeFault(whole.status)
            }
        }

        if body.isEmpty {
            return .error(400, type: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;")
        }
        guard body.last == 0x0A else {
            return .error(400, type: "illegal_argument_exception", reason: "The bulk request must be terminated by a newline [\\n]")
        }

        // Parse every action first: a malformed line fails the whole request, as in Elasticsearch.
        struct Item { var action: String; var index: String; var id: String?; var source: Range<Int> }
        var items: [Item] = []
        var lineStart = 0
        var lineNumber = 0
        while lineStart < body.count {
            let lineEnd = body[lineStart...].firstIndex(of: 0x0A)!
            lineNumber += 1
            if lineEnd == lineStart { lineStart += 1; continue }   // blank lines are skipped
            let action: JSONValue
            do {
                action = try JSONReader.parse(Array(body[lineStart..<lineEnd]))
            } catch {
                return .error(400, type: "x_content_parse_exception", reason: "[\(lineNumber):\(error.offset + 1)] \(error.reason)")
            }
            guard case let .object(members) = action, members.count == 1, case .object = members[0].value else {
                return .error(400, type: "illegal_argument_exception",
                              reason: "Malformed action/metadata line [\(lineNumber)], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]")
            }
            let name = members[0].key
            guard ["create", "index"].contains(name) else {
                return .error(400, type: "illegal_argument_exception",
                              reason: "Malformed action/metadata line [\(lineNumber)], expected field [create], [delete], [index] or [update] but found [\(name)]")
            }
            let meta = members[0].value
            guard let index = meta["_index"]?.stringValue ?? urlIndex else {
                return .error(400, type: "action_request_validation_exception", reason: "Validation Failed: 1: index is missing;")
            }
            let sourceStart = lineEnd + 1
            guard sourceStart < body.count, let sourceEnd = body[sourceStart...].firstIndex(of: 0x0A) else {
                return .error(400, type: "illegal_argument_exception", reason: "The bulk request must be terminated by a newline [\\n]")
            }
            lineNumber += 1
            items.append(Item(action: name, index: index, id: meta["_id"]?.stringValue, source: sourceStart..<sourceEnd))
            lineStart = sourceEnd + 1
        }
        if items.isEmpty {
            return .error(400, type: "action_request_validation_exception", reason: "Validation Failed: 1: no requests added;")
        }
        itemsReceived += items.count

        let filter = query["filter_path"].map { Set($0.split(separator: ",").map(String.init)) }
        let wantTook = filter == nil || filter!.contains("took")
        let wantErrors = filter == nil || filter!.contains("errors")
        let allItemFields = filter == nil || filter!.contains("items")
        let itemFields: Set<String> = allItemFields ? [] : Set(filter!.compactMap { $0.hasPrefix("items.*.") ? String($0.dropFirst(8)) : nil })
        func want(_ field: String) -> Bool { allItemFields || itemFields.contains(field) }

        var itemsJSON: [UInt8] = []
        itemsJSON.reserveCapacity(items.count * 40)
        var anyError = false
        for (position, item) in items.enumerated() {
            if position > 0 { itemsJSON.append(UInt8(ascii: ",")) }
            let source = Array(body[item.source])
            let id = item.id ?? autoID()
            var status = 201
            var result = "created"
            var error: (type: String, reason: String)?
            if let faultStatus = faults.itemStatus, rng.chance(faults.itemFraction ?? 0) {
                itemFaultsInjected += 1
                status = faultStatus
                error = faultStatus == 429
                    ? ("es_rejected_execution_exception", "rejected execution of primary operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, primary_operation_bytes=\(source.count), max_coordinating_and_primary_bytes=53687091]")
                    : ("unavailable_shards_exception", "[\(item.index)][0] primary shard is not active Timeout: [1m]")
            } else if let problem = validate(source, id: id, strict: limits.strictJSON) {
                status = 400
                error = problem
            } else if indices[item.index]?[id] != nil {
                if item.action == "create" {
                    status = 409
                    duplicatesAttempted += 1
                    error = ("version_conflict_engine_exception", "[\(id)]: version conflict, document already exists (current version [1])")
                } else {
                    status = 200
                    result = "updated"
                    indices[item.index]![id] = limits.storeBodies ? source : []
                    countLine(source, field: limits.countField)
                }
            } else {
                indices[item.index, default: [:]][id] = limits.storeBodies ? source : []
                documentCount += 1
                if journalFD >= 0 { appendJournalLine(index: item.index, id: id, source: source) }
                countLine(source, field: limits.countField)
            }
            if error != nil { anyError = true; if status != 409 { itemsRejected += 1 } }
            appendItem(to: &itemsJSON, action: item.action, index: item.index, id: id, status: status, result: result,
                       error: error, want: want)
        }

        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        func separator() { if first { first = false } else { out.append(UInt8(ascii: ",")) } }
        if wantTook { separator(); out.append(contentsOf: Array(#""took":1"#.utf8)) }
        if wantErrors { separator(); out.append(contentsOf: Array((anyError ? #""errors":true"# : #""errors":false"#).utf8)) }
        if allItemFields || !itemFields.isEmpty {
            separator()
            out.append(contentsOf: Array(#""items":["#.utf8))
            out.append(contentsOf: itemsJSON)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        return MockResponse(status: 200, body: out)
    }

    private func wholeFault(_ status: Int) -> MockResponse {
        switch status {
        case 429:
            return .error(429, type: "es_rejected_execution_exception",
                          reason: "rejected execution of coordinating operation [coordinating_and_primary_bytes=53687000, replica_bytes=0, all_bytes=53687000, coordinating_operation_bytes=4194304, max_coordinating_and_primary_bytes=53687091]")
        case 503:
            return .error(503, type: "cluster_block_exception", reason: "blocked by: [SERVICE_UNAVAILABLE/2/no master];")
        default:
            return .error(status, type: "exception", reason: "injected failure")
        }
    }

    private mutating func autoID() -> String {
        nextAutoID += 1
        return "auto-\(nextAutoID)"
    }

    /// A reason when Elasticsearch would refuse the document (not an object, or the reject rule).
    private func validate(_ source: [UInt8], id: String, strict: Bool) -> (type: String, reason: String)? {
        if strict || faults.reject != nil {
            guard let value = try? JSONReader.parse(source), case .object = value else {
                return ("document_parsing_exception", "[1:1] failed to parse: source is not a JSON object")
            }
            if let rule = faults.reject, let text = value[rule.field]?.stringValue, text.contains(rule.contains) {
                return ("mapper_parsing_exception",
                        "failed to parse field [\(rule.field)] of type [long] in document with id '\(id)'. Preview of field's value: '\(text)'")
            }
            return nil
        }
        let isObject = source.withUnsafeBufferPointer { JSONObjectScanner.scan($0) != nil }
        return isObject ? nil : ("document_parsing_exception", "[1:1] failed to parse: source is not a JSON object")
    }

    private mutating func countLine(_ source: [UInt8], field: String?) {
        guard let field else { return }
        let key = Array("\"\(field)\"".utf8)
        let line: Int? = source.withUnsafeBufferPointer { buffer in
            guard let scanned = JSONObjectScanner.scan(buffer),
                  let member = scanned.members.first(where: { buffer[$0.key].elementsEqual(key) }),
                  member.value.count >= 9 else { return nil }
            var n = 0
            for k in member.value.lowerBound + 1..<member.value.lowerBound + 9 {
                guard let digit = Int(String(UnicodeScalar(buffer[k])), radix: 16) else { return nil }
                n = n << 4 | digit
            }
            return n
        }
        guard let line else { return }
        let word = line >> 6, bit = UInt64(1) << UInt64(line & 63)
        if word >= seenLines.count { seenLines.append(contentsOf: repeatElement(0, count: word - seenLines.count + 1)) }
        if seenLines[word] & bit != 0 { duplicateLines += 1 } else { seenLines[word] |= bit; uniqueLines += 1 }
    }

    private mutating func appendItem(to out: inout [UInt8], action: String, index: String, id: String, status: Int, result: String,
                                     error: (type: String, reason: String)?, want: (String) -> Bool) {
        out.append(contentsOf: Array("{\"\(action)\":{".utf8))
        var first = true
        func field(_ name: String, _ body: (inout [UInt8]) -> Void) {
            guard want(name) else { return }
            if first { first = false } else { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\"")); out.append(contentsOf: Array(name.utf8)); out.append(contentsOf: Array("\":".utf8))
            body(&out)
        }
        field("_index") { BulkEncoder.appendJSONString(index, to: &$0) }
        field("_id") { BulkEncoder.appendJSONString(id, to: &$0) }
        if let error {
            field("status") { $0.append(contentsOf: Array("\(status)".utf8)) }
            field("error") { out in
                out.append(contentsOf: Array(#"{"type":"#.utf8)); BulkEncoder.appendJSONString(error.type, to: &out)
                out.append(contentsOf: Array(#","reason":"#.utf8)); BulkEncoder.appendJSONString(error.reason, to: &out)
                if error.type == "version_conflict_engine_exception" {
                    out.append(contentsOf: Array(#","index_uuid":"bW9jay1pbmRleC11dWlk","shard":"0","index":"#.utf8))
                    BulkEncoder.appendJSONString(index, to: &out)
                }
                out.append(UInt8(ascii: "}"))
            }
        } else {
            seqNo += 1
            let seq = seqNo
            field("_version") { $0.append(contentsOf: Array((result == "created" ? "1" : "2").utf8)) }
            field("result") { BulkEncoder.appendJSONString(result, to: &$0) }
            field("_shards") { $0.append(contentsOf: Array(#"{"total":2,"successful":1,"failed":0}"#.utf8)) }
            field("_seq_no") { $0.append(contentsOf: Array("\(seq)".utf8)) }
            field("_primary_term") { $0.append(UInt8(ascii: "1")) }
            field("status") { $0.append(contentsOf: Array("\(status)".utf8)) }
        }
        out.append(contentsOf: Array("}}".utf8))
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
