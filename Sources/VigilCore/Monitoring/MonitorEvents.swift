/// A model's prediction as the monitor sees it (parsed from a `type: prediction` event).
///
/// Fields follow DESIGN.md "Events": `model`, `model_version`, `variant`, `request_id`, `prediction`,
/// `score` (binary positive-class probability) or `probabilities` (class → p), `features`, `segment`,
/// `latency_ms`, `status`. ``MonitorEventParser`` reads them from an event's bytes.
public struct PredictionEvent: Sendable, Hashable, Codable {
    public var model: String
    public var modelVersion: String?
    public var variant: String?
    public var requestID: String?
    /// The predicted class or number, as text (numbers canonicalised: `1.0` → `"1"`).
    public var prediction: String?
    public var score: Double?
    public var probabilities: [String: Double]?
    public var numericFeatures: [String: Double]
    public var categoricalFeatures: [String: String]
    public var segment: [String: String]
    /// How long the model took (`latency_ms`), when sent.
    public var latencyMillis: Double?
    /// The request's outcome as sent (`status`: `ok`, `error`, `200`, ...), as text.
    public var status: String?
    public var timestampMillis: Int64

    public init(model: String, modelVersion: String? = nil, variant: String? = nil, requestID: String? = nil,
                prediction: String? = nil, score: Double? = nil, probabilities: [String: Double]? = nil,
                numericFeatures: [String: Double] = [:], categoricalFeatures: [String: String] = [:],
                segment: [String: String] = [:], latencyMillis: Double? = nil, status: String? = nil,
                timestampMillis: Int64) {
        self.model = model
        self.modelVersion = modelVersion
        self.variant = variant
        self.requestID = requestID
        self.prediction = prediction
        self.score = score
        self.probabilities = probabilities
        self.numericFeatures = numericFeatures
        self.categoricalFeatures = categoricalFeatures
        self.segment = segment
        self.latencyMillis = latencyMillis
        self.status = status
        self.timestampMillis = timestampMillis
    }

    /// `variant`, or `model_version`, or `"default"`: the label value used in metrics.
    public var variantName: String { variant ?? modelVersion ?? "default" }
}

/// A ground-truth label that arrives after its prediction (a `type: label` event: `request_id`, `model`,
/// `label`; its time is the event's, resolved by the pipeline from the configured timestamp fields).
public struct LabelEvent: Sendable, Hashable, Codable {
    public var model: String
    public var requestID: String
    /// The true class or number, as text.
    public var label: String
    public var timestampMillis: Int64

    public init(model: String, requestID: String, label: String, timestampMillis: Int64) {
        self.model = model
        self.requestID = requestID
        self.label = label
        self.timestampMillis = timestampMillis
    }
}

/// A prediction waiting for its label: what the pending-prediction store persists.
public struct PendingPrediction: Sendable, Hashable, Codable {
    public var model: String
    public var requestID: String
    public var modelVersion: String?
    public var variant: String
    public var prediction: String?
    public var score: Double?
    /// The probability given to each class (multiclass log loss), when sent.
    public var probabilities: [String: Double]?
    public var segment: [String: String]
    /// When the prediction was received (the TTL counts from here).
    public var receivedAtMillis: Int64

    public init(model: String, requestID: String, modelVersion: String? = nil, variant: String,
                prediction: String?, score: Double?, probabilities: [String: Double]? = nil,
                segment: [String: String] = [:], receivedAtMillis: Int64) {
        self.model = model
        self.requestID = requestID
        self.modelVersion = modelVersion
        self.variant = variant
        self.prediction = prediction
        self.score = score
        self.probabilities = probabilities
        self.segment = segment
        self.receivedAtMillis = receivedAtMillis
    }

    public init(_ event: PredictionEvent, requestID: String, receivedAtMillis: Int64) {
        self.init(model: event.model, requestID: requestID, modelVersion: event.modelVersion,
                  variant: event.variantName, prediction: event.prediction, score: event.score,
                  probabilities: event.probabilities, segment: event.segment, receivedAtMillis: receivedAtMillis)
    }
}

/// How a label was counted (the `outcome` label of `vigil_model_labels_total`).
public enum LabelOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Matched a pending prediction within its TTL.
    case joined
    /// Its prediction had waited longer than the TTL.
    case late
    /// No prediction with this request id is known.
    case unmatched
    /// Its prediction was already joined by an earlier label.
    case duplicate
}
