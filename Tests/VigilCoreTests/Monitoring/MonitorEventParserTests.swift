import Testing
import VigilCore

/// The prediction and label schema of DESIGN.md "Events": valid events of each shape, and every rejection
/// reason with a message that names the field.
@Suite struct MonitorEventParserTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        var name: String
        var json: String
        var expected: PredictionEvent
        var testDescription: String { name }
    }

    static let validPredictions: [Valid] = [
        Valid(name: "minimal: only the model", json: #"{"model":"m"}"#,
              expected: PredictionEvent(model: "m", timestampMillis: 7)),
        Valid(name: "binary classifier with a score", json: #"{"type":"prediction","model":"fraud","model_version":"v3","variant":"challenger","request_id":"r1","prediction":1,"score":0.93}"#,
              expected: PredictionEvent(model: "fraud", modelVersion: "v3", variant: "challenger", requestID: "r1", prediction: "1",
                                        score: 0.93, timestampMillis: 7)),
        Valid(name: "multiclass: prediction from the highest probability", json: #"{"model":"m","probabilities":{"a":0.2,"b":0.7,"c":0.1}}"#,
              expected: PredictionEvent(model: "m", prediction: "b", probabilities: ["a": 0.2, "b": 0.7, "c": 0.1], timestampMillis: 7)),
        Valid(name: "a probability tie goes to the first class in the document", json: #"{"model":"m","probabilities":{"y":0.5,"x":0.5}}"#,
              expected: PredictionEvent(model: "m", prediction: "y", probabilities: ["y": 0.5, "x": 0.5], timestampMillis: 7)),
        Valid(name: "an explicit prediction wins over probabilities", json: #"{"model":"m","prediction":"c","probabilities":{"a":0.9,"c":0.1}}"#,
              expected: PredictionEvent(model: "m", prediction: "c", probabilities: ["a": 0.9, "c": 0.1], timestampMillis: 7)),
        Valid(name: "regression: a number, canonical text", json: #"{"model":"price","prediction":1.0,"request_id":42}"#,
              expected: PredictionEvent(model: "price", requestID: "42", prediction: "1", timestampMillis: 7)),
        Valid(name: "regression: a fraction", json: #"{"model":"price","prediction":-12.5e1}"#,
              expected: PredictionEvent(model: "price", prediction: "-125", timestampMillis: 7)),
        Valid(name: "boolean prediction", json: #"{"model":"m","prediction":false}"#,
              expected: PredictionEvent(model: "m", prediction: "0", timestampMillis: 7)),
        Valid(name: "features: numbers, strings, booleans; null skipped",
              json: #"{"model":"m","features":{"age":31,"country":"DE","vip":true,"income":null,"ratio":-0.25}}"#,
              expected: PredictionEvent(model: "m", numericFeatures: ["age": 31, "ratio": -0.25],
                                        categoricalFeatures: ["country": "DE", "vip": "1"], timestampMillis: 7)),
        Valid(name: "segment values as text", json: #"{"model":"m","segment":{"country":"FR","tier":2,"new":false,"x":null}}"#,
              expected: PredictionEvent(model: "m", segment: ["country": "FR", "tier": "2", "new": "0"], timestampMillis: 7)),
        Valid(name: "latency and status", json: #"{"model":"m","latency_ms":12.5,"status":"ok"}"#,
              expected: PredictionEvent(model: "m", latencyMillis: 12.5, status: "ok", timestampMillis: 7)),
        Valid(name: "numeric status and model_version", json: #"{"model":"m","status":500,"model_version":3}"#,
              expected: PredictionEvent(model: "m", modelVersion: "3", status: "500", timestampMillis: 7)),
        Valid(name: "escapes in names and values", json: #"{"model":"fr\u00e9ud","features":{"caf\u00e9":"a\"b"},"request_id":"r\/1"}"#,
              expected: PredictionEvent(model: "fréud", requestID: "r/1", categoricalFeatures: ["café": "a\"b"], timestampMillis: 7)),
        Valid(name: "whitespace and line breaks between tokens", json: "{ \"model\" : \"m\" ,\n \"score\" : 0 ,\n \"features\" : { \"a\" : 1 } }",
              expected: PredictionEvent(model: "m", score: 0, numericFeatures: ["a": 1], timestampMillis: 7)),
        Valid(name: "null optional fields are absent", json: #"{"model":"m","variant":null,"score":null,"probabilities":null,"features":null,"segment":null,"latency_ms":null}"#,
              expected: PredictionEvent(model: "m", timestampMillis: 7)),
        Valid(name: "unknown fields and nested values are ignored", json: #"{"model":"m","extra":{"deep":[1,2,{"x":"y"}]},"score":1}"#,
              expected: PredictionEvent(model: "m", score: 1, timestampMillis: 7)),
        Valid(name: "the last of duplicate keys wins", json: #"{"model":"a","model":"b"}"#,
              expected: PredictionEvent(model: "b", timestampMillis: 7)),
    ]

    @Test(arguments: validPredictions)
    func validPrediction(_ c: Valid) throws {
        var parser = MonitorEventParser()
        let event = try parser.parsePrediction(Array(c.json.utf8), timestampMillis: 7).get()
        #expect(event == c.expected)
    }

    struct ValidLabel: CustomTestStringConvertible, Sendable {
        var json: String
        var expected: LabelEvent
        var testDescription: String { json }
    }

    static let validLabels: [ValidLabel] = [
        ValidLabel(json: #"{"type":"label","model":"fraud","request_id":"r1","label":"1"}"#,
                   expected: LabelEvent(model: "fraud", requestID: "r1", label: "1", timestampMillis: 9)),
        ValidLabel(json: #"{"model":"m","request_id":42,"label":true}"#,
                   expected: LabelEvent(model: "m", requestID: "42", label: "1", timestampMillis: 9)),
        ValidLabel(json: #"{"model":"m","request_id":"a","label":2.0,"timestamp":"2026-12-01T00:00:00Z"}"#,
                   expected: LabelEvent(model: "m", requestID: "a", label: "2", timestampMillis: 9)),
        ValidLabel(json: #"{"model":"m","request_id":"a","label":"cat","features":[1]}"#,
                   expected: LabelEvent(model: "m", requestID: "a", label: "cat", timestampMillis: 9)),
    ]

    @Test(arguments: validLabels)
    func validLabel(_ c: ValidLabel) throws {
        var parser = MonitorEventParser()
        #expect(try parser.parseLabel(Array(c.json.utf8), timestampMillis: 9).get() == c.expected)
    }

    enum Kind: Sendable { case prediction, label }

    struct Invalid: CustomTestStringConvertible, Sendable {
        var kind: Kind
        var bytes: [UInt8]
        var reason: MonitorRejectReason
        var field: String?
        var message: String
        var testDescription: String { "\(kind) \(reason.rawValue): \(message)" }

        init(_ kind: Kind, _ json: String, _ reason: MonitorRejectReason, _ field: String?, _ message: String) {
            self.init(kind, bytes: Array(json.utf8), reason, field, message)
        }

        init(_ kind: Kind, bytes: [UInt8], _ reason: MonitorRejectReason, _ field: String?, _ message: String) {
            self.kind = kind
            self.bytes = bytes
            self.reason = reason
            self.field = field
            self.message = message
        }
    }

    static let invalid: [Invalid] = [
        // The line-level reasons, the same set (and messages) as the pipeline's for logs.
        Invalid(.prediction, "", .line(.empty), nil, "empty line"),
        Invalid(.prediction, "  ", .line(.empty), nil, "empty line"),
        Invalid(.prediction, bytes: Array(#"{"model":""#.utf8) + [0xFF] + Array(#""}"#.utf8), .line(.invalidUTF8), nil,
                "invalid UTF-8 at byte 10: byte 0xff cannot start a UTF-8 sequence"),
        Invalid(.prediction, #"{"model":"m","#, .line(.invalidJSON), nil, "invalid JSON at byte 13: unexpected end of line, expected '\"' starting an object key"),
        Invalid(.label, #"["model"]"#, .line(.notAnObject), nil, "the line is valid JSON but not an object (an array)"),
        Invalid(.prediction, #"{"model":"m","features":{"a":{"b":{"c":1}}}}"#, .line(.tooDeep), nil, "nesting too deep at byte 34: more than 3 nested objects/arrays"),
        Invalid(.prediction, #"{"model":"m","features":{"text":"\#(String(repeating: "x", count: 100))"}}"#, .line(.tooLarge), nil,
                "line of 136 bytes is longer than max_line_bytes (100)"),
        Invalid(.label, bytes: Array(#"{"model":"m""#.utf8) + [0], .line(.nulByte), nil, "NUL byte at byte 12: NUL byte where ',' or '}' was expected"),
        // Required fields.
        Invalid(.prediction, #"{"score":0.5}"#, .missingField, "model", #"missing field "model""#),
        Invalid(.prediction, #"{"model":null}"#, .missingField, "model", #"missing field "model""#),
        Invalid(.label, #"{"request_id":"r","label":1}"#, .missingField, "model", #"missing field "model""#),
        Invalid(.label, #"{"model":"m","label":1}"#, .missingField, "request_id", #"missing field "request_id""#),
        Invalid(.label, #"{"model":"m","request_id":"r"}"#, .missingField, "label", #"missing field "label""#),
        Invalid(.label, #"{"model":"m","request_id":"r","label":null}"#, .missingField, "label", #"missing field "label""#),
        // Types and values.
        Invalid(.prediction, #"{"model":7}"#, .invalidField, "model", #"field "model" must be a string, got a number"#),
        Invalid(.prediction, #"{"model":""}"#, .invalidField, "model", #"field "model" must not be empty"#),
        Invalid(.prediction, #"{"model":"m","variant":["a"]}"#, .invalidField, "variant", #"field "variant" must be a string or number, got an array"#),
        Invalid(.prediction, #"{"model":"m","model_version":true}"#, .invalidField, "model_version", #"field "model_version" must be a string or number, got a boolean"#),
        Invalid(.prediction, #"{"model":"m","request_id":""}"#, .invalidField, "request_id", #"field "request_id" must not be empty"#),
        Invalid(.prediction, #"{"model":"m","request_id":{"id":1}}"#, .invalidField, "request_id", #"field "request_id" must be a string or number, got an object"#),
        Invalid(.prediction, #"{"model":"m","prediction":[1,0]}"#, .invalidField, "prediction", #"field "prediction" must be a class (string or boolean) or a number, got an array"#),
        Invalid(.prediction, #"{"model":"m","score":"high"}"#, .invalidField, "score", #"field "score" must be a number between 0 and 1, got a string"#),
        Invalid(.prediction, #"{"model":"m","score":1.5}"#, .invalidField, "score", #"field "score" must be a number between 0 and 1, got 1.5"#),
        Invalid(.prediction, #"{"model":"m","score":-1}"#, .invalidField, "score", #"field "score" must be a number between 0 and 1, got -1"#),
        Invalid(.prediction, #"{"model":"m","score":1e400}"#, .invalidField, "score", #"field "score" is a number out of range: 1e400"#),
        Invalid(.prediction, #"{"model":"m","probabilities":[0.1,0.9]}"#, .invalidField, "probabilities", #"field "probabilities" must be an object of class → probability, got an array"#),
        Invalid(.prediction, #"{"model":"m","probabilities":{"a":"0.1"}}"#, .invalidField, "probabilities.a", #"field "probabilities.a" must be a number between 0 and 1, got a string"#),
        Invalid(.prediction, #"{"model":"m","probabilities":{"a":0.5,"b":2}}"#, .invalidField, "probabilities.b", #"field "probabilities.b" must be a number between 0 and 1, got 2"#),
        Invalid(.prediction, #"{"model":"m","features":"age=3"}"#, .invalidField, "features", #"field "features" must be an object of name → number or string, got a string"#),
        Invalid(.prediction, #"{"model":"m","features":{"age":3,"tags":["a"]}}"#, .invalidField, "features.tags", #"field "features.tags" must be a number, string or boolean, got an array"#),
        Invalid(.prediction, #"{"model":"m","features":{"big":-1e999}}"#, .invalidField, "features.big", #"field "features.big" is a number out of range: -1e999"#),
        Invalid(.prediction, #"{"model":"m","segment":["DE"]}"#, .invalidField, "segment", #"field "segment" must be an object of name → string, got an array"#),
        Invalid(.prediction, #"{"model":"m","segment":{"country":{"code":"DE"}}}"#, .invalidField, "segment.country", #"field "segment.country" must be a string, number or boolean, got an object"#),
        Invalid(.prediction, #"{"model":"m","latency_ms":"12"}"#, .invalidField, "latency_ms", #"field "latency_ms" must be a number of milliseconds ≥ 0, got a string"#),
        Invalid(.prediction, #"{"model":"m","latency_ms":-3}"#, .invalidField, "latency_ms", #"field "latency_ms" must be a number of milliseconds ≥ 0, got -3"#),
        Invalid(.prediction, #"{"model":"m","status":false}"#, .invalidField, "status", #"field "status" must be a string or number, got a boolean"#),
        Invalid(.label, #"{"model":"m","request_id":"r","label":{"v":1}}"#, .invalidField, "label", #"field "label" must be a string, number or boolean, got an object"#),
        Invalid(.label, #"{"model":"m","request_id":true,"label":1}"#, .invalidField, "request_id", #"field "request_id" must be a string or number, got a boolean"#),
    ]

    @Test(arguments: invalid)
    func rejection(_ c: Invalid) {
        var parser = MonitorEventParser(maxDepth: 3, maxBytes: 100)
        let rejection: MonitorEventRejection?
        switch c.kind {
        case .prediction:
            if case .failure(let r) = parser.parsePrediction(c.bytes, timestampMillis: 0) { rejection = r } else { rejection = nil }
        case .label:
            if case .failure(let r) = parser.parseLabel(c.bytes, timestampMillis: 0) { rejection = r } else { rejection = nil }
        }
        #expect(rejection == MonitorEventRejection(reason: c.reason, field: c.field, message: c.message))
    }

    @Test func everyReasonIsTested() {
        let tested = Set(Self.invalid.map(\.reason))
        #expect(tested == Set(MonitorRejectReason.allCases))
    }

    @Test(arguments: RejectReason.allCases)
    func lineReasonsAreTheLogReasons(_ reason: RejectReason) {
        #expect(MonitorRejectReason(reason).rawValue == reason.rawValue)
    }

    @Test func parserIsReusedAcrossEvents() throws {
        // Scanner state and the nested-member buffer carry nothing from one event to the next.
        var parser = MonitorEventParser()
        _ = parser.parsePrediction(Array(#"{"model":"a","features":{"x":1,"y":2,"z":"q"},"segment":{"s":"t"}}"#.utf8), timestampMillis: 0)
        _ = parser.parsePrediction(Array(#"{"model":"a","score":3}"#.utf8), timestampMillis: 0)
        let next = try parser.parsePrediction(Array(#"{"model":"b","features":{"w":5}}"#.utf8), timestampMillis: 1).get()
        #expect(next == PredictionEvent(model: "b", numericFeatures: ["w": 5], timestampMillis: 1))
        let label = try parser.parseLabel(Array(#"{"model":"b","request_id":"q","label":0}"#.utf8), timestampMillis: 2).get()
        #expect(label == LabelEvent(model: "b", requestID: "q", label: "0", timestampMillis: 2))
    }
}

@Suite struct RequestAttributionParserTests {
    static func parse(_ json: String) -> Result<MonitorEventParser.RequestObservation?, MonitorEventRejection> {
        var parser = MonitorEventParser()
        return Array(json.utf8).withUnsafeBytes { parser.parseRequest($0) }
    }

    @Test func aRequestLogNamesItsModelAndVariant() throws {
        let r = try Self.parse(#"{"message":"ok","model":"fraud","variant":"v4","status":503,"latency_ms":12.5}"#).get()
        #expect(r == .init(model: "fraud", variant: "v4", status: "503", latencyMillis: 12.5))
        #expect(try Self.parse(#"{"model":"fraud","variant":"v4"}"#).get() == .init(model: "fraud", variant: "v4"))
    }

    @Test(arguments: [#"{"message":"no model"}"#, #"{"model":"fraud"}"#, #"{"variant":"v4"}"#, #"{"model":"fraud","variant":null}"#])
    func linesOfSomethingElseAreNotRequests(json: String) throws {
        #expect(try Self.parse(json).get() == nil)
    }

    @Test(arguments: [(#"{"model":"fraud","variant":"v4","latency_ms":-1}"#, "latency_ms"),
                      (#"{"model":"fraud","variant":"v4","latency_ms":"fast"}"#, "latency_ms"),
                      (#"{"model":"","variant":"v4"}"#, "model"),
                      (#"{"model":"fraud","variant":["a"]}"#, "variant")])
    func malformedFieldsAreRejectedByName(json: String, field: String) {
        guard case .failure(let rejection) = Self.parse(json) else { Issue.record("accepted \(json)"); return }
        #expect(rejection.field == field)
    }
}

@Suite struct RenamedAttributionFieldsTests {
    @Test func modelAndVariantCanBeRenamed() throws {
        var parser = MonitorEventParser(modelField: "ml_model", variantField: "arm")
        let p = try parser.parsePrediction(Array(#"{"ml_model":"fraud","arm":"v4","request_id":"r1","score":0.7}"#.utf8), timestampMillis: 0).get()
        #expect(p.model == "fraud" && p.variant == "v4")
        guard case .failure(let r) = parser.parsePrediction(Array(#"{"model":"fraud","variant":"v4"}"#.utf8), timestampMillis: 0) else {
            Issue.record("the default names were read"); return
        }
        #expect(r.reason == .missingField)
    }
}
