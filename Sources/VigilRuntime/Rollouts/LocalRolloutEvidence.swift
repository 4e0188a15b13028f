import Synchronization
import VigilCore

/// The agent's own rollout evidence: a ``RolloutEvidenceLedger`` behind a lock, fed by the model monitor and
/// persisted with the rollout state so a restart continues the counts instead of starting them again.
public final class LocalRolloutEvidence: RolloutEvidenceSource, Sendable {
    private let ledger: Mutex<RolloutEvidenceLedger>
    /// `model/variant` of every rolled-out variant: only these are counted (variants come from input).
    private let tracked: Set<String>?
    /// Models whose requests are counted from request logs rather than predictions.
    public let modelsCountingLogs: Set<String>
    private let parser: Mutex<MonitorEventParser>
    /// Features named in drift guardrails, per model, and the reference profiles they are compared with.
    private let driftFeatures: [String: [String]]
    private let profiles: [String: ReferenceProfile]
    private let numericWindows = Mutex<[String: [Double]]>([:])
    /// The same counts as Prometheus families (`vigil_rollout_requests_total`, …), so a fleet's evidence is the
    /// sum over agents (``RolloutQueries``); nil when no registry was given (tests, `vigil simulate`).
    let metrics: RolloutEvidenceMetrics?
    private let categoryWindows = Mutex<[String: [String]]>([:])

    /// - Parameters:
    ///   - definitions: the rollouts whose variants to count (`nil`: every variant, for tests).
    ///   - profiles: reference profiles by model, for drift guardrails.
    ///   - fields: the pipeline's field names, for request logs (`fields.model`, `fields.variant`).
    public init(_ ledger: RolloutEvidenceLedger = RolloutEvidenceLedger(), definitions: [RolloutDefinition]? = nil,
                profiles: [String: ReferenceProfile] = [:], fields: PipelineConfiguration.Fields = .init(),
                registry: MetricRegistry? = nil) {
        self.metrics = registry.map { RolloutEvidenceMetrics(registry: $0, definitions: definitions ?? []) }
        self.parser = Mutex(MonitorEventParser(modelField: fields.model, variantField: fields.variant))
        self.ledger = Mutex(ledger)
        self.tracked = definitions.map { Set($0.flatMap { ["\($0.model)/\($0.champion)", "\($0.model)/\($0.challenger)"] }) }
        self.modelsCountingLogs = Set((definitions ?? []).filter { $0.requestSource == .logs }.map(\.model))
        var drift: [String: [String]] = [:]
        for d in definitions ?? [] {
            for g in d.guardrails { if case .drift(let feature) = g.metric { drift[d.model, default: []].append(feature) } }
        }
        self.driftFeatures = drift
        self.profiles = profiles
    }

    func tracks(model: String, variant: String) -> Bool { tracked?.contains("\(model)/\(variant)") ?? true }

    public func evidence(for definition: RolloutDefinition) async -> RolloutEvidence {
        var e = ledger.withLock { $0.evidence(model: definition.model, champion: definition.champion, challenger: definition.challenger) }
        for feature in driftFeatures[definition.model] ?? [] {
            if let score = driftScore(model: definition.model, variant: definition.champion, feature: feature) {
                e.champion.drift[feature] = score
            }
            if let score = driftScore(model: definition.model, variant: definition.challenger, feature: feature) {
                e.challenger.drift[feature] = score
            }
        }
        return e
    }

    // MARK: Drift per variant

    /// Values a variant needs in its window before its drift score counts.
    public static let minimumDriftValues = 100
    /// The most recent values kept per variant and feature.
    public static let driftWindow = 1_000

    /// The population stability index of the variant's last ``driftWindow`` values of `feature` against the
    /// model's reference profile (the same bins as `vigil_feature_drift{method="psi"}`); nil until enough values.
    func driftScore(model: String, variant: String, feature: String) -> Double? {
        guard let profile = profiles[model]?.feature(feature) else { return nil }
        let key = "\(model)/\(variant)/\(feature)"
        if let numeric = profile.numeric {
            let values = numericWindows.withLock { $0[key] ?? [] }
            guard values.count >= Self.minimumDriftValues, numeric.binCounts.reduce(0, +) > 0 else { return nil }
            return PopulationStabilityIndex.index(referenceCounts: numeric.binCounts, currentCounts: numeric.binCounts(of: values))
        }
        if let categorical = profile.categorical {
            let values = categoryWindows.withLock { $0[key] ?? [] }
            guard values.count >= Self.minimumDriftValues, categorical.referenceCounts.reduce(0, +) > 0 else { return nil }
            return PopulationStabilityIndex.index(referenceCounts: categorical.referenceCounts,
                                                  currentCounts: categorical.counts(of: values.map { Optional($0) }))
        }
        return nil
    }

    private func observeFeatures(_ event: PredictionEvent, variant: String) {
        guard let features = driftFeatures[event.model] else { return }
        for feature in features {
            let key = "\(event.model)/\(variant)/\(feature)"
            if let x = event.numericFeatures[feature], x.isFinite {
                numericWindows.withLock { Self.append(x, to: &$0[key, default: []]) }
            } else if let v = event.categoricalFeatures[feature] ?? event.numericFeatures[feature].map(ColumnValues.canonicalText) {
                categoryWindows.withLock { Self.append(v, to: &$0[key, default: []]) }
            }
        }
    }

    private static func append<T>(_ value: T, to window: inout [T]) {
        if window.count >= driftWindow { window.removeFirst(window.count - driftWindow + 1) }
        window.append(value)
    }

    public func update(_ body: (inout RolloutEvidenceLedger) -> Void) {
        ledger.withLock { body(&$0) }
    }

    public var snapshot: RolloutEvidenceLedger { ledger.withLock { $0 } }
}

extension LocalRolloutEvidence {
    /// Counts a prediction as a served request of its variant (latency from `latency_ms`, failed when `status` is
    /// an error word or a 5xx code, expected correctness from the score for estimated accuracy), if the variant
    /// is in a rollout.
    public func record(_ event: PredictionEvent, threshold: Double) {
        let variant = event.variantName
        guard tracks(model: event.model, variant: variant) else { return }
        observeFeatures(event, variant: variant)
        let expected: Double? = if let p = event.score, p.isFinite {
            p >= threshold ? p : 1 - p
        } else if let probabilities = event.probabilities, let top = probabilities.values.max() {
            top
        } else {
            nil
        }
        if modelsCountingLogs.contains(event.model) {
            if let expected {
                update { $0.recordExpectedCorrect(model: event.model, variant: variant, expected) }
                metrics?.expectedCorrect(model: event.model, variant: variant, expected)
            }
            return
        }
        metrics?.request(model: event.model, variant: variant, latencySeconds: event.latencyMillis.map { $0 / 1000 },
                         failed: Self.isFailure(event.status))
        if let expected { metrics?.expectedCorrect(model: event.model, variant: variant, expected) }
        update {
            $0.recordRequest(model: event.model, variant: variant, latencySeconds: event.latencyMillis.map { $0 / 1000 },
                             failed: Self.isFailure(event.status), expectedCorrect: expected)
        }
    }

    /// Counts a request log that names a rolled-out model and variant, for rollouts with `requests: logs`.
    /// Returns whether it was counted; lines of other models, or without `model` and `variant`, are not.
    @discardableResult
    public func recordRequestLog(_ body: UnsafeRawBufferPointer) -> Bool {
        guard !modelsCountingLogs.isEmpty else { return false }
        guard case .success(let request?) = parser.withLock({ $0.parseRequest(body) }),
              modelsCountingLogs.contains(request.model), tracks(model: request.model, variant: request.variant) else { return false }
        metrics?.request(model: request.model, variant: request.variant, latencySeconds: request.latencyMillis.map { $0 / 1000 },
                         failed: Self.isFailure(request.status))
        update {
            $0.recordRequest(model: request.model, variant: request.variant,
                             latencySeconds: request.latencyMillis.map { $0 / 1000 }, failed: Self.isFailure(request.status))
        }
        return true
    }

    /// Counts joined labels: right or wrong, and the absolute error when both are numbers.
    public func record(_ confusions: [ModelMonitor.Update.ConfusionCount]) {
        let tracked = confusions.filter { tracks(model: $0.model, variant: $0.variant) }
        guard !tracked.isEmpty else { return }
        update { ledger in
            for c in tracked {
                let error: Double? = if let a = Double(c.actual), let p = Double(c.predicted) { abs(a - p) } else { nil }
                metrics?.label(model: c.model, variant: c.variant, correct: c.actual == c.predicted, absoluteError: error)
                ledger.recordLabel(model: c.model, variant: c.variant, correct: c.actual == c.predicted, absoluteError: error)
            }
        }
    }

    /// `error`, `failed`, `failure`, `timeout`, or an HTTP status of 500 or more.
    static func isFailure(_ status: String?) -> Bool {
        guard let status else { return false }
        if let code = Int(status) { return code >= 500 }
        switch status.lowercased() {
        case "error", "failed", "failure", "fail", "timeout": return true
        default: return false
        }
    }
}

/// The rollout evidence as cumulative Prometheus families per model and variant: what `vigil controller` sums over
/// a fleet (``RolloutQueries`` names the same families). Counted in the process (a restart starts them at zero,
/// which `increase()` handles); the agent's own ledger is separate and persisted.
struct RolloutEvidenceMetrics: Sendable {
    let requests: CounterFamily
    let errors: CounterFamily
    let duration: HistogramFamily
    let labels: CounterFamily
    let correct: CounterFamily
    let absoluteErrorCount: CounterFamily
    let absoluteErrorSum: CounterFamily
    let absoluteErrorSquares: CounterFamily
    let expectedCount: CounterFamily
    let expectedSum: CounterFamily
    let expectedSquares: CounterFamily

    init(registry: MetricRegistry, definitions: [RolloutDefinition]) {
        let l = ["model", "variant"]
        let n = RolloutQueries.Family.self
        requests = registry.counter(n.requests, help: "Requests served per rolled-out model and variant (rollout evidence).", labelNames: l)
        errors = registry.counter(n.errors, help: "Requests that failed per rolled-out model and variant (rollout evidence).", labelNames: l)
        duration = registry.histogram(n.duration, help: "Request latency per rolled-out model and variant (rollout evidence).",
                                      labelNames: l, buckets: LatencyHistogram.defaultBounds)
        labels = registry.counter(n.labels, help: "Labelled predictions per rolled-out model and variant (rollout evidence).", labelNames: l)
        correct = registry.counter(n.correct, help: "Labelled predictions that were right, per rolled-out model and variant.", labelNames: l)
        absoluteErrorCount = registry.counter(n.absoluteErrorCount, help: "Labelled numeric predictions per rolled-out model and variant (absolute-error observations).", labelNames: l)
        absoluteErrorSum = registry.counter(n.absoluteErrorSum, help: "Sum of absolute errors of labelled numeric predictions per rolled-out model and variant.", labelNames: l)
        absoluteErrorSquares = registry.counter(n.absoluteErrorSquares, help: "Sum of squared absolute errors of labelled numeric predictions per rolled-out model and variant.", labelNames: l)
        expectedCount = registry.counter(n.expectedCount, help: "Predictions with an expected correctness (from the score) per rolled-out model and variant.", labelNames: l)
        expectedSum = registry.counter(n.expectedSum, help: "Sum of predictions' expected correctness per rolled-out model and variant.", labelNames: l)
        expectedSquares = registry.counter(n.expectedSquares, help: "Sum of squared expected correctness per rolled-out model and variant.", labelNames: l)
        // Series exist from the start (at 0), so a variant without traffic yet is a zero, not a missing series.
        for d in definitions {
            for v in [d.champion, d.challenger] {
                for f in [requests, errors, labels, correct, absoluteErrorCount, absoluteErrorSum, absoluteErrorSquares,
                          expectedCount, expectedSum, expectedSquares] { _ = f.labels(d.model, v) }
                _ = duration.labels(d.model, v)
            }
        }
    }

    func request(model: String, variant: String, latencySeconds: Double?, failed: Bool) {
        requests.labels(model, variant).increment()
        if failed { errors.labels(model, variant).increment() }
        if let latencySeconds, latencySeconds.isFinite, latencySeconds >= 0 { duration.labels(model, variant).observe(latencySeconds) }
    }

    func expectedCorrect(model: String, variant: String, _ value: Double) {
        guard value.isFinite, value >= 0 else { return }
        expectedCount.labels(model, variant).increment()
        expectedSum.labels(model, variant).increment(by: value)
        expectedSquares.labels(model, variant).increment(by: value * value)
    }

    func label(model: String, variant: String, correct isCorrect: Bool, absoluteError: Double?) {
        labels.labels(model, variant).increment()
        if isCorrect { correct.labels(model, variant).increment() }
        if let absoluteError, absoluteError.isFinite {
            absoluteErrorCount.labels(model, variant).increment()
            absoluteErrorSum.labels(model, variant).increment(by: absoluteError)
            absoluteErrorSquares.labels(model, variant).increment(by: absoluteError * absoluteError)
        }
    }
}
