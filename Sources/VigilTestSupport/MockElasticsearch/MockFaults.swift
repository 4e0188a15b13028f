import VigilCore

/// Faults the mock Elasticsearch injects, switchable at any time (`MockElasticsearch.setFaults` or
/// `POST /_mock/faults` with this structure as JSON). Selection is deterministic: every "fraction"
/// draws from one SplitMix64 generator seeded with `seed`, in arrival order.
///
/// ```json
/// {"seed": 7, "wholeRequest": {"status": 429, "fraction": 0.2}, "itemStatus": 429, "itemFraction": 0.05,
///  "reject": {"field": "user", "contains": "bad"}, "delayMilliseconds": 0}
/// ```
public struct MockFaults: Sendable, Codable, Equatable {
    /// Answers for whole `_bulk` requests.
    public struct WholeRequest: Sendable, Codable, Equatable {
        /// 429, 500, 502, 503, ...
        public var status: Int
        /// The next `next` bulk requests get `status`...
        public var next: Int?
        /// ...and after them, this fraction of bulk requests.
        public var fraction: Double?
        public init(status: Int, next: Int? = nil, fraction: Double? = nil) {
            self.status = status; self.next = next; self.fraction = fraction
        }
    }

    /// Documents whose top-level `field` is a string containing `contains` fail with `400 mapper_parsing_exception`.
    public struct RejectRule: Sendable, Codable, Equatable {
        public var field: String
        public var contains: String
        public init(field: String, contains: String) { self.field = field; self.contains = contains }
    }

    public var seed: UInt64?
    /// Stop listening: new connections are refused (`ECONNREFUSED`) and open ones are closed.
    public var refuseConnections: Bool?
    /// Accept connections and close them at once, before reading a request.
    public var closeConnections: Bool?
    public var wholeRequest: WholeRequest?
    /// 429 or 503 for `itemFraction` of the items inside a `200` response.
    public var itemStatus: Int?
    public var itemFraction: Double?
    public var reject: RejectRule?
    /// Wait this long before answering each request.
    public var delayMilliseconds: Int?
    /// Send the headers and half of the body of this fraction of bulk responses, then close the
    /// connection (after applying the request, as a server that dies mid-answer would).
    public var closeMidResponseFraction: Double?
    /// The same for the next N bulk responses.
    public var closeMidResponseNext: Int?

    public init(seed: UInt64? = nil, refuseConnections: Bool? = nil, closeConnections: Bool? = nil,
                wholeRequest: WholeRequest? = nil, itemStatus: Int? = nil, itemFraction: Double? = nil,
                reject: RejectRule? = nil, delayMilliseconds: Int? = nil,
                closeMidResponseFraction: Double? = nil, closeMidResponseNext: Int? = nil) {
        self.seed = seed; self.refuseConnections = refuseConnections; self.closeConnections = closeConnections
        self.wholeRequest = wholeRequest; self.itemStatus = itemStatus; self.itemFraction = itemFraction
        self.reject = reject; self.delayMilliseconds = delayMilliseconds
        self.closeMidResponseFraction = closeMidResponseFraction; self.closeMidResponseNext = closeMidResponseNext
    }

    /// No faults.
    public static let none = MockFaults()
}

extension SplitMix64 {
    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return Double(next() >> 11) * 0x1.0p-53 < p
    }
}
