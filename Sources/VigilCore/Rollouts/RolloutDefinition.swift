/// What a rollout compares, how it ramps traffic and when it may act: the `rollouts:` entry of the configuration
/// as a validated value.
///
/// ```swift
/// let rollout = try RolloutDefinition(
///     model: "fraud-detector", champion: "v3", challenger: "v4",
///     guardrails: [RolloutMetric.errorRate.guardrail(margin: 0.005), RolloutMetric.latency(quantile: 0.99).guardrail()],
///     primary: RolloutPrimary(metric: .quality(.accuracy)))
/// rollout.steps        // [5, 10, 25, 50, 100]
/// ```
public struct RolloutDefinition: Sendable, Hashable, Codable {
    /// The model whose variants are compared.
    public var model: String
    /// The variant serving today (the control).
    public var champion: String
    /// The candidate (the treatment).
    public var challenger: String
    /// Challenger traffic per step, in percent, strictly increasing, each in (0, 100].
    public var steps: [Double]
    /// Observations each variant needs before any decision (per metric), and in each step before it advances.
    public var minSamples: Int
    /// The shortest time a step lasts before it advances, in milliseconds.
    public var minStepDurationMillis: Int64
    /// False-decision rate of every sequential test (rollback of an equal challenger, promotion of a worse one).
    public var alpha: Double
    /// The sample-ratio-mismatch test holds the rollout when its p-value is below this.
    public var srmAlpha: Double
    /// Checks that roll the challenger back when it is worse than the champion by more than their margin.
    public var guardrails: [RolloutGuardrail]
    /// The metric that must show an improvement before promotion; `nil` promotes after the last step.
    public var primary: RolloutPrimary?
    /// `true`: Vigil acts on its decisions; `false`: it recommends and a person acts.
    public var automatic: Bool
    /// Salt of the assignment hash; defaults to `model/challenger`, so a new challenger reshuffles units.
    public var salt: String
    /// What counts as a served request (requests, errors, latency): prediction events, or request logs that carry
    /// `model` and `variant` fields (then predictions still feed quality and estimated accuracy).
    public var requestSource: RequestSource

    public enum RequestSource: String, Sendable, Hashable, Codable, CaseIterable {
        case predictions, logs
    }

    public static let defaultSteps: [Double] = [5, 10, 25, 50, 100]

    public init(model: String, champion: String, challenger: String, steps: [Double] = RolloutDefinition.defaultSteps,
                minSamples: Int = 200, minStepDurationMillis: Int64 = 60_000, alpha: Double = 0.05,
                srmAlpha: Double = 0.001, guardrails: [RolloutGuardrail] = RolloutDefinition.defaultGuardrails,
                primary: RolloutPrimary? = nil, automatic: Bool = true, salt: String? = nil,
                requestSource: RequestSource = .predictions) throws(RolloutDefinitionError) {
        func fail(_ field: String, _ message: String) -> RolloutDefinitionError {
            RolloutDefinitionError(model: model, field: field, message: message)
        }
        guard !model.isEmpty else { throw fail("model", "must not be empty") }
        guard !champion.isEmpty else { throw fail("champion", "must not be empty") }
        guard !challenger.isEmpty else { throw fail("challenger", "must not be empty") }
        guard champion != challenger else { throw fail("challenger", "must differ from the champion (\"\(champion)\")") }
        guard !steps.isEmpty else { throw fail("steps", "needs at least one step") }
        for (i, step) in steps.enumerated() {
            guard step.isFinite, step > 0, step <= 100 else { throw fail("steps[\(i)]", "\(step) is not a percentage in (0, 100]") }
            if i > 0, step <= steps[i - 1] { throw fail("steps[\(i)]", "steps must increase (\(steps[i - 1]) then \(step))") }
        }
        guard minSamples >= 2 else { throw fail("min_samples", "must be at least 2, got \(minSamples)") }
        guard minStepDurationMillis >= 0 else { throw fail("min_step_duration", "must not be negative") }
        guard alpha > 0, alpha < 0.5 else { throw fail("alpha", "must be in (0, 0.5), got \(alpha)") }
        guard srmAlpha > 0, srmAlpha < 0.5 else { throw fail("srm_alpha", "must be in (0, 0.5), got \(srmAlpha)") }
        var seen = Set<String>()
        for (i, g) in guardrails.enumerated() {
            guard seen.insert(g.name).inserted else { throw fail("guardrails[\(i)]", "\"\(g.name)\" appears twice") }
            guard g.margin.isFinite, g.margin >= 0 else { throw fail("guardrails[\(i)].margin", "must be a number >= 0") }
            if case .latency(let q) = g.metric, !(q > 0 && q < 1) {
                throw fail("guardrails[\(i)].quantile", "must be in (0, 1), got \(q)")
            }
            if case .drift(let feature) = g.metric, feature.isEmpty {
                throw fail("guardrails[\(i)].feature", "must name a feature")
            }
        }
        if let primary {
            if case .drift = primary.metric { throw fail("primary.metric", "drift cannot be a primary metric") }
            guard primary.minimumEffect.isFinite, primary.minimumEffect >= 0 else {
                throw fail("primary.min_effect", "must be a number >= 0")
            }
        }
        self.model = model
        self.champion = champion
        self.challenger = challenger
        self.steps = steps
        self.minSamples = minSamples
        self.minStepDurationMillis = minStepDurationMillis
        self.alpha = alpha
        self.srmAlpha = srmAlpha
        self.guardrails = guardrails
        self.primary = primary
        self.automatic = automatic
        self.salt = salt ?? "\(model)/\(challenger)"
        self.requestSource = requestSource
    }

    /// Error rate (margin 0: any significant increase) and p99 latency.
    public static let defaultGuardrails: [RolloutGuardrail] = [
        RolloutGuardrail(metric: .errorRate, margin: 0),
        RolloutGuardrail(metric: .latency(quantile: 0.99), margin: 0),
    ]

    /// The assignment this rollout uses.
    public var assignment: Assignment { Assignment(salt: salt) }
}

/// A configuration error in a rollout definition, naming the field.
public struct RolloutDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var model: String
    public var field: String
    public var message: String
    public var description: String { "rollouts[\(model)].\(field): \(message)" }
}

/// A number that can be compared between the two variants.
public enum RolloutMetric: Sendable, Hashable, Codable {
    /// Share of requests that failed (status ≥ 500 or `status: error`); lower is better.
    case errorRate
    /// Share of requests slower than the champion's `quantile` latency (read from the latency histogram's
    /// bucket bounds); lower is better. A challenger with the same latency distribution exceeds it as often as
    /// the champion does.
    case latency(quantile: Double)
    /// A quality metric over labelled predictions.
    case quality(QualityKind)
    /// Confidence-based performance estimation (expected accuracy from scores) while labels are missing; higher is better.
    case estimatedAccuracy
    /// The drift score of a feature against the reference profile; the challenger's may not exceed the champion's
    /// by more than the margin.
    case drift(feature: String)

    public enum QualityKind: String, Sendable, Hashable, Codable {
        /// Share of labelled predictions that were right; higher is better.
        case accuracy
        /// Mean absolute error of regression predictions; lower is better.
        case meanAbsoluteError = "mae"
    }

    /// Whether a larger value is better.
    public var higherIsBetter: Bool {
        switch self {
        case .errorRate, .latency, .drift: false
        case .quality(let kind): kind == .accuracy
        case .estimatedAccuracy: true
        }
    }

    /// Whether values are shares in [0, 1] (shown as percentages and "points").
    public var isProportion: Bool {
        switch self {
        case .errorRate, .latency, .estimatedAccuracy: true
        case .quality(let kind): kind == .accuracy
        case .drift: false
        }
    }

    /// A stable name for labels and the audit log (`error_rate`, `latency_p99`, `accuracy`, `drift:amount`).
    public var name: String {
        switch self {
        case .errorRate: "error_rate"
        case .latency(let q): "latency_p\(RolloutMetric.percentileText(q))"
        case .quality(let kind): kind.rawValue
        case .estimatedAccuracy: "estimated_accuracy"
        case .drift(let feature): "drift:\(feature)"
        }
    }

    /// A guardrail on this metric.
    public func guardrail(margin: Double = 0) -> RolloutGuardrail { RolloutGuardrail(metric: self, margin: margin) }

    static func percentileText(_ q: Double) -> String {
        let p = q * 100
        if p == p.rounded() { return String(Int(p)) }
        return String(String(p).map { $0 == "." ? "_" : $0 })
    }
}

/// A check that rolls the challenger back when it is worse than the champion by more than `margin`, in the
/// metric's own unit (proportions in fractions: 0.005 is half a percentage point).
public struct RolloutGuardrail: Sendable, Hashable, Codable {
    public var metric: RolloutMetric
    /// The tolerated degradation (non-inferiority margin).
    public var margin: Double
    public init(metric: RolloutMetric, margin: Double = 0) { self.metric = metric; self.margin = margin }
    public var name: String { metric.name }
}

/// The metric a challenger must improve before it is promoted.
public struct RolloutPrimary: Sendable, Hashable, Codable {
    public var metric: RolloutMetric
    /// Promotion needs the always-valid interval of the improvement to lie above this (0: any proven improvement).
    public var minimumEffect: Double
    public init(metric: RolloutMetric, minimumEffect: Double = 0) { self.metric = metric; self.minimumEffect = minimumEffect }
}
