import FoundationEssentials

/// One element of an instant vector: its labels and value.
public struct PrometheusSample: Sendable, Hashable, Codable {
    public var labels: [String: String]
    public var value: Double
    /// The sample's timestamp in seconds (for an instant query: the evaluation time).
    public var timestamp: Double

    public init(labels: [String: String], value: Double, timestamp: Double = 0) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// Why a query gave no usable answer, said so that an operator can act on it.
public struct PrometheusQueryError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// No HTTP response (refused, timed out, TLS).
        case unreachable
        /// An HTTP status other than 200 without a Prometheus error body.
        case http
        /// Prometheus answered `"status": "error"` (bad query, timeout, execution error).
        case query
        /// The body is not the JSON of the query API, or not an instant vector.
        case malformed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// Reads the body of Prometheus' `GET /api/v1/query` (`{"status":"success","data":{"resultType":"vector",
/// "result":[{"metric":{…},"value":[t,"v"]}]}}`); a scalar answer becomes one sample without labels.
public enum PrometheusResponse {
    public static func parse(status: Int, body: [UInt8]) -> Result<[PrometheusSample], PrometheusQueryError> {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(body))
        } catch {
            if status != 200 {
                return .failure(PrometheusQueryError(.http, "HTTP \(status): \(snippet(body))"))
            }
            return .failure(PrometheusQueryError(.malformed, "not a Prometheus query response (\(describe(error))): \(snippet(body))"))
        }
        if envelope.status != "success" {
            let type = envelope.errorType.map { "\($0): " } ?? ""
            return .failure(PrometheusQueryError(.query, "HTTP \(status): \(type)\(envelope.error ?? "no error message")"))
        }
        guard status == 200 else { return .failure(PrometheusQueryError(.http, "HTTP \(status) with status success")) }
        guard let data = envelope.data else { return .failure(PrometheusQueryError(.malformed, "success without data")) }
        switch data.resultType {
        case "vector":
            guard case .vector(let items)? = data.result else {
                return .failure(PrometheusQueryError(.malformed, "resultType vector without a result list"))
            }
            var out: [PrometheusSample] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard let value = Double(item.value.text) ?? specialValue(item.value.text) else {
                    return .failure(PrometheusQueryError(.malformed, "result[\(i)].value: \"\(item.value.text)\" is not a number"))
                }
                out.append(PrometheusSample(labels: item.metric, value: value, timestamp: item.value.time))
            }
            return .success(out)
        case "scalar":
            guard case .scalar(let pair)? = data.result else {
                return .failure(PrometheusQueryError(.malformed, "resultType scalar without a [time, value] pair"))
            }
            guard let value = Double(pair.text) ?? specialValue(pair.text) else {
                return .failure(PrometheusQueryError(.malformed, "scalar value \"\(pair.text)\" is not a number"))
            }
            return .success([PrometheusSample(labels: [:], value: value, timestamp: pair.time)])
        default:
            return .failure(PrometheusQueryError(.malformed, "resultType \(data.resultType) (expected an instant vector)"))
        }
    }

    static func specialValue(_ s: String) -> Double? {
        switch s {
        case "NaN": .nan
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        default: nil
        }
    }

    static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return body.count > 200 ? text + "…" : text
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): "invalid JSON at \(path(c.codingPath))"
        case DecodingError.keyNotFound(let key, let c): "missing \(path(c.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let c): "wrong type at \(path(c.codingPath))"
        case DecodingError.valueNotFound(_, let c): "null at \(path(c.codingPath))"
        default: "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    struct Envelope: Decodable {
        var status: String
        var data: DataPart?
        var errorType: String?
        var error: String?
    }

    struct DataPart: Decodable {
        var resultType: String
        var result: ResultPart?

        enum CodingKeys: String, CodingKey { case resultType, result }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            resultType = try c.decode(String.self, forKey: .resultType)
            switch resultType {
            case "vector": result = .vector(try c.decode([VectorItem].self, forKey: .result))
            case "scalar": result = .scalar(try c.decode(Pair.self, forKey: .result))
            default: result = nil
            }
        }
    }

    enum ResultPart { case vector([VectorItem]), scalar(Pair) }

    struct VectorItem: Decodable {
        var metric: [String: String]
        var value: Pair
    }

    /// `[1700000000.123, "42"]`.
    struct Pair: Decodable {
        var time: Double
        var text: String
        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            time = try c.decode(Double.self)
            text = try c.decode(String.self)
        }
    }
}
