import VigilCore

/// A search of the embedded log store. All conditions are ANDed; hits come newest first.
///
/// ```swift
/// let hits = try store.search(LogQuery(text: "timeout", service: "checkout", sinceMillis: now - 900_000))
/// ```
public struct LogQuery: Sendable, Equatable {
    /// Words that must all occur (in the message or anywhere in the body), case-insensitively. Words are
    /// split at punctuation (`/v1/predict` means `v1` and `predict`); a word ending in `*` matches as a
    /// prefix. Punctuation is never query syntax.
    public var text: String?
    /// Exact service name.
    public var service: String?
    /// Level, compared case-insensitively.
    public var level: String?
    /// Inclusive lower bound on the event time.
    public var sinceMillis: Int64?
    /// Exclusive upper bound on the event time.
    public var untilMillis: Int64?
    public var limit: Int

    /// The largest `limit` accepted from a request.
    public static let maxLimit = 10_000

    public init(text: String? = nil, service: String? = nil, level: String? = nil, sinceMillis: Int64? = nil, untilMillis: Int64? = nil, limit: Int = 100) {
        self.text = text
        self.service = service
        self.level = level
        self.sinceMillis = sinceMillis
        self.untilMillis = untilMillis
        self.limit = limit
    }
}

/// A query parameter that could not be used, named so the answer can say which.
public struct LogQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var parameter: String
    public var reason: String

    public init(parameter: String, reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    public var description: String { "invalid parameter \"\(parameter)\": \(reason)" }
}

extension LogQuery {
    /// The parameters `GET /v1/logs/search` accepts.
    public static let parameterNames: Set<String> = ["q", "text", "service", "level", "since", "until", "limit"]

    /// Builds a query from URL query items (`q` or `text`, `service`, `level`, `since`, `until`, `limit`).
    /// `since`/`until` take a duration back from `nowMillis` (`15m`, `2h`, `7d`), an RFC 3339 time or
    /// epoch milliseconds. Unknown, repeated or malformed parameters are errors naming the parameter.
    public init(queryItems: [(name: String, value: String?)], nowMillis: Int64) throws(LogQueryError) {
        self.init()
        var seen: Set<String> = []
        for (name, rawValue) in queryItems {
            guard Self.parameterNames.contains(name) else {
                throw LogQueryError(parameter: name, reason: "unknown parameter (known: \(Self.parameterNames.sorted().joined(separator: ", ")))")
            }
            let canonical = name == "text" ? "q" : name
            guard seen.insert(canonical).inserted else { throw LogQueryError(parameter: name, reason: "given more than once") }
            let value = rawValue ?? ""
            switch canonical {
            case "q":
                text = value.isEmpty ? nil : value
            case "service":
                guard !value.isEmpty else { throw LogQueryError(parameter: name, reason: "empty") }
                service = value
            case "level":
                guard !value.isEmpty else { throw LogQueryError(parameter: name, reason: "empty") }
                level = value
            case "since", "until":
                guard let instant = Self.instant(value, nowMillis: nowMillis) else {
                    throw LogQueryError(parameter: name, reason: "expected a duration like 15m, 2h, 7d, an RFC 3339 time or epoch milliseconds, got \"\(value)\"")
                }
                if canonical == "since" { sinceMillis = instant } else { untilMillis = instant }
            case "limit":
                guard let number = Int(value), number >= 1, number <= Self.maxLimit else {
                    throw LogQueryError(parameter: name, reason: "expected an integer from 1 to \(Self.maxLimit), got \"\(value)\"")
                }
                limit = number
            default:
                break
            }
        }
        if let sinceMillis, let untilMillis, sinceMillis >= untilMillis {
            throw LogQueryError(parameter: "since", reason: "must be before until")
        }
    }

    /// One word of `text` as the store matches it: a token (lowercased ASCII), whole or as a prefix.
    public struct Term: Sendable, Equatable {
        public var token: [UInt8]
        public var prefix: Bool
    }

    /// A point in time for `since`/`until`: epoch milliseconds (13+ digits) or seconds (fewer digits), a
    /// duration back from `nowMillis` (`15m`; a unit is required, as a bare number is an epoch time), or an
    /// RFC 3339 time.
    public static func instant(_ text: String, nowMillis: Int64) -> Int64? {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text) {
            return text.utf8.count >= 13 ? value : value * 1000
        }
        if let duration = try? DurationText.milliseconds(text, defaultUnit: nil) { return nowMillis - duration }
        return RFC3339.parse(text)
    }

    /// The terms of `text`: the words split into tokens as ``LogTokenizer`` splits bodies (at anything that
    /// is not a letter or digit), all ANDed, so user punctuation is never syntax; a word ending in `*` makes
    /// its last token a prefix. Empty when there is no token (the query then has no text condition).
    public static func terms(_ text: String) -> [Term] {
        var terms: [Term] = []
        for word in text.split(whereSeparator: { $0.isWhitespace }) {
            let prefix = word.count > 1 && word.hasSuffix("*")
            let core = prefix ? word.dropLast() : word[...]
            let tokens = LogTokenizer.tokens(Array(core.utf8))
            for (position, token) in tokens.enumerated() {
                terms.append(Term(token: token, prefix: prefix && position == tokens.count - 1))
            }
        }
        return terms
    }
}

/// One stored log event, as search returns it. Encodes to JSON with `@timestamp` in RFC 3339 and the
/// original JSON body as a string.
public struct LogHit: Sendable, Hashable, Encodable {
    public var id: String
    public var timestampMillis: Int64
    public var kind: UInt8
    public var source: String
    public var service: String?
    public var level: String?
    public var message: String?
    /// The event's JSON object as stored (after redaction).
    public var body: String

    public init(id: String, timestampMillis: Int64, kind: UInt8, source: String, service: String?, level: String?, message: String?, body: String) {
        self.id = id
        self.timestampMillis = timestampMillis
        self.kind = kind
        self.source = source
        self.service = service
        self.level = level
        self.message = message
        self.body = body
    }

    /// "log", "prediction", "label" (EventKind's raw values 0, 1, 2).
    public var kindName: String {
        switch kind {
        case 1: "prediction"
        case 2: "label"
        default: "log"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, timestamp = "@timestamp", timestampMillis = "timestamp_ms", kind, source, service, level, message, body
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(RFC3339.format(millis: timestampMillis), forKey: .timestamp)
        try container.encode(timestampMillis, forKey: .timestampMillis)
        try container.encode(kindName, forKey: .kind)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(service, forKey: .service)
        try container.encodeIfPresent(level, forKey: .level)
        try container.encodeIfPresent(message, forKey: .message)
        try container.encode(body, forKey: .body)
    }
}

/// The answer of a log search (`GET /v1/logs/search`, `vigil logs search --json`): `{"count":N,"hits":[…]}`.
public struct LogSearchResponse: Sendable, Encodable {
    public var count: Int
    public var hits: [LogHit]

    public init(hits: [LogHit]) {
        self.count = hits.count
        self.hits = hits
    }
}
