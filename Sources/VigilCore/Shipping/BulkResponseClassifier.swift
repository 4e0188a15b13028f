/// What to do with one item of a `_bulk` request after the response.
public enum BulkItemOutcome: Sendable, Equatable {
    /// 2xx: indexed.
    case delivered
    /// 409 on `create`: a document with this `_id` exists, i.e. an earlier attempt got through.
    case duplicate
    /// 429 or 5xx (or no status at all): send this item again after a backoff.
    case retry(status: Int, reason: String)
    /// Any other 4xx: Elasticsearch will never accept this document as it is.
    case deadLetter(status: Int, reason: String)
}

/// What to do with a whole `_bulk` request after its response (or its failure).
public enum BulkResponseDecision: Sendable, Equatable {
    /// `errors: false`: every item is indexed; the items were not even read.
    case allDelivered
    /// `errors: true`: one outcome per item, in request order.
    case perItem([BulkItemOutcome])
    /// Nothing is known to be indexed: send the same items again after a backoff.
    case retryAll(status: Int?, reason: String)
    /// Split the request in halves and send each; a single document that still gets this answer is
    /// dead-lettered with `reason`.
    case split(status: Int, reason: String)
    /// The request can never succeed as sent: every item goes to the dead letters with `reason`.
    case deadLetterAll(status: Int, reason: String)
}

/// Turns a `_bulk` HTTP response into per-item decisions. Pure, so it is tested on recorded bodies.
///
/// Whole-request statuses:
/// - `200` (any 2xx): `errors:false` → all delivered; else the items are read. A body that cannot be
///   read, or whose item count differs from the request's, is retried whole: with `create` and
///   deterministic ids a resend cannot duplicate anything, while guessing could lose documents.
/// - `429`, `5xx`, `408`: overloaded or unavailable → retry all.
/// - `401`, `403`, `404`, `407`: credentials, privileges or the URL are wrong. That is the operator's
///   to fix (a rotated key, a proxy route), and dead-lettering everything meanwhile would empty the
///   spool into the dead-letter table, so these are retried (and show up in `requests_total{status}`).
/// - `413`: too large → split in halves down to one document.
/// - `400`: the body is malformed (`parse_exception`, `illegal_argument_exception`), which one bad
///   document can cause; splitting isolates it, so the others are still delivered.
/// - Other `4xx` (`405`, `406`, `415`, …): the request's form is rejected and sending the same bytes can
///   never succeed → dead-letter all, with the reason, so they can be replayed after a fix.
/// - `1xx`/`3xx`: not something a bulk endpoint answers; retried as a transient oddity (a proxy).
///
/// ```swift
/// let body = Array(#"{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":429}}]}"#.utf8)
/// BulkResponseClassifier.classify(status: 200, body: body, itemCount: 2)
/// // .perItem([.delivered, .retry(status: 429, reason: "")])
/// ```
public enum BulkResponseClassifier {
    /// Longest reason kept per dead letter; Elasticsearch reasons can quote whole field values.
    public static let maxReasonLength = 1000

    public static func classify(status: Int, body: [UInt8], itemCount: Int) -> BulkResponseDecision {
        switch status {
        case 200..<300:
            return classifyItems(body: body, itemCount: itemCount)
        case 413:
            return .split(status: 413, reason: errorReason(body) ?? "request entity too large")
        case 400:
            return .split(status: 400, reason: errorReason(body) ?? "bad request")
        case 408, 429, 500..<600:
            return .retryAll(status: status, reason: errorReason(body) ?? "http \(status)")
        case 401, 403, 404, 407:
            return .retryAll(status: status, reason: errorReason(body) ?? "http \(status)")
        case 402, 405...406, 409...412, 414..<429, 430..<500:
            return .deadLetterAll(status: status, reason: errorReason(body) ?? "http \(status)")
        default:
            return .retryAll(status: status, reason: "unexpected http \(status)")
        }
    }

    /// A request that got no HTTP response (refused, reset, timed out): retry all.
    public static func classifyTransportFailure(_ reason: String) -> BulkResponseDecision {
        .retryAll(status: nil, reason: reason)
    }

    static func classifyItems(body: [UInt8], itemCount: Int) -> BulkResponseDecision {
        // Fast path: `{"errors":false,...` needs no parse of the (large) item list.
        if let errors = leadingErrorsFlag(body), errors == false { return .allDelivered }
        guard let value = try? JSONReader.parse(body) else {
            return .retryAll(status: 200, reason: "unreadable _bulk response")
        }
        if value["errors"]?.boolValue == false { return .allDelivered }
        guard let items = value["items"]?.arrayValue else {
            return .retryAll(status: 200, reason: "_bulk response without items")
        }
        guard items.count == itemCount else {
            return .retryAll(status: 200, reason: "_bulk response has \(items.count) items for \(itemCount) sent")
        }
        return .perItem(items.map(classifyItem))
    }

    /// One element of `items`: `{"create": {"status": …, "error": {…}}}` (any action name).
    public static func classifyItem(_ item: JSONValue) -> BulkItemOutcome {
        guard case let .object(members) = item, let result = members.first?.value else {
            return .retry(status: 0, reason: "malformed item")
        }
        guard let status = result["status"]?.intValue else { return .retry(status: 0, reason: "item without status") }
        let reason = result["error"].map(describeError) ?? ""
        switch status {
        case 200..<300: return .delivered
        case 409: return .duplicate
        case 429, 500..<600: return .retry(status: status, reason: reason)
        case 400..<500: return .deadLetter(status: status, reason: reason.isEmpty ? "http \(status)" : reason)
        default: return .retry(status: status, reason: reason)
        }
    }

    /// `type: reason` of an Elasticsearch error object (plus the first `caused_by`), truncated.
    public static func describeError(_ error: JSONValue) -> String {
        if let text = error.stringValue { return truncate(text) }
        var text = error["type"]?.stringValue ?? "error"
        if let reason = error["reason"]?.stringValue { text += ": " + reason }
        if let cause = error["caused_by"], let causeType = cause["type"]?.stringValue {
            text += " (caused by " + causeType
            if let causeReason = cause["reason"]?.stringValue { text += ": " + causeReason }
            text += ")"
        }
        return truncate(text)
    }

    /// The reason of a whole-request error body `{"error":{…},"status":N}`, if there is one.
    static func errorReason(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, let value = try? JSONReader.parse(body), let error = value["error"] else { return nil }
        return describeError(error)
    }

    static func truncate(_ text: String) -> String {
        text.utf8.count <= maxReasonLength ? text : String(decoding: text.utf8.prefix(maxReasonLength), as: UTF8.self)
    }

    /// `false`/`true` when the body starts with `{"errors":<bool>` (ignoring whitespace), as
    /// Elasticsearch writes it with the `filter_path` Vigil sends; nil otherwise.
    static func leadingErrorsFlag(_ body: [UInt8]) -> Bool? {
        var i = 0
        func skip() { while i < body.count, body[i] == 0x20 || body[i] == 0x0A || body[i] == 0x0D || body[i] == 0x09 { i += 1 } }
        func match(_ s: StaticString) -> Bool {
            let n = s.utf8CodeUnitCount
            guard i + n <= body.count else { return false }
            for k in 0..<n where body[i + k] != s.utf8Start[k] { return false }
            i += n
            return true
        }
        skip(); guard match("{") else { return nil }
        skip(); guard match("\"errors\"") else { return nil }
        skip(); guard match(":") else { return nil }
        skip()
        if match("false") { return false }
        if match("true") { return true }
        return nil
    }
}
