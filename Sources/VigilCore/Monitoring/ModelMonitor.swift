/// One labelled prediction in a quality window.
public struct JoinedSample: Sendable, Hashable {
    public var actual: String
    public var predicted: String
    public var score: Double?
    public var probabilities: [String: Double]?

    public init(actual: String, predicted: String, score: Double? = nil, probabilities: [String: Double]? = nil) {
        self.actual = actual
        self.predicted = predicted
        self.score = score
        self.probabilities = probabilities
    }
}

/// Online quality of the models an agent serves: label join, windows, cumulative counts, estimated quality.
///
/// A pure state machine (no clock, no I/O, no metrics): each observation returns a ``ModelMonitor/Update``
/// saying what to count and what to persist; ``snapshot(now:)`` computes the gauges. `ModelMonitorService`
/// (VigilRuntime) turns updates into `vigil_model_*` metrics and pending-prediction store writes.
///
/// Invariants: quality windows hold only joined (labelled) predictions; the count window never exceeds
/// `window` samples and the time window holds nothing older than `windowSeconds`; segment slices per field
/// are bounded by `maxSegmentValues` (+ `other`); a model not configured is ignored (counted `unknown_model`).
///
/// ```swift
/// var monitor = ModelMonitor(models: [ModelConfiguration(name: "fraud")])
/// _ = monitor.observe(prediction: event, now: t0)
/// let update = monitor.observe(label: label, now: t1)   // update.labels == [(fraud, v1, .joined)]
/// ```
public struct ModelMonitor: Sendable {
    /// What an observation changed: counters to increment, store actions to perform, detector signals.
    public struct Update: Sendable, Hashable {
        public struct PredictionCount: Sendable, Hashable { public var model: String; public var variant: String }
        public struct LabelCount: Sendable, Hashable {
            public var model: String
            public var variant: String
            public var outcome: LabelOutcome
        }
        public struct ConfusionCount: Sendable, Hashable {
            public var model: String
            public var variant: String
            public var actual: String
            public var predicted: String
        }
        /// A streaming detector fed with the joined error stream fired.
        public struct DetectorSignal: Sendable, Hashable {
            public var model: String
            public var variant: String
            public var detector: String
            public var drift: Bool
            public var warning: Bool
        }

        public var predictions: [PredictionCount] = []
        public var labels: [LabelCount] = []
        public var confusions: [ConfusionCount] = []
        public var storeActions: [LabelJoinStateMachine.StoreAction] = []
        public var detectorSignals: [DetectorSignal] = []
        /// Why an event was ignored (`unknown_model`, `missing_request_id`), if it was.
        public var ignoredReason: String?

        public init() {}
    }

    /// Quality gauges of one model variant.
    public struct VariantSnapshot: Sendable {
        public var model: String
        public var variant: String
        /// `count` (last `window` joined predictions) and `time` (last `windowSeconds`), when non-empty.
        public var windows: [(window: String, quality: ModelQuality)]
        /// Cumulative accuracy from the confusion counts since start.
        public var cumulative: ClassificationQuality?
        /// CBPE over the last `window` scored predictions (binary classifiers with scores).
        public var estimated: ConfidenceBasedPerformanceEstimation?
        /// Quality per segment value over the count window: (field, value, quality).
        public var segments: [(field: String, value: String, quality: ModelQuality)]
        /// Metrics whose count-window value fell below reference − tolerance.
        public var decay: [EvaluationFinding]
    }

    /// Creates a streaming detector by name (`adwin`, `ddm`, ...); `nil` for an unknown name.
    public typealias DetectorFactory = @Sendable (String) -> (any DriftDetector)?

    private struct VariantKey: Hashable, Sendable { var model: String; var variant: String }
    private struct SegmentKey: Hashable, Sendable { var model: String; var variant: String; var field: String; var value: String }

    private struct ModelState: Sendable {
        var configuration: ModelConfiguration
        var profile: ReferenceProfile?
        var join: LabelJoinStateMachine
        var segmentValues: [String: Set<String>] = [:]
        var observedClasses: Set<String> = []
        /// Recent values of the profile's numeric / categorical features (for drift against the profile).
        var numericWindows: [String: SlidingWindow<Double>] = [:]
        var categoryWindows: [String: SlidingWindow<String>] = [:]
        var sawScores = false
        var sawNonIntegerNumbers = false
    }

    private struct VariantState: Sendable {
        var countWindow: SlidingWindow<JoinedSample>
        var timeWindow: SlidingWindow<JoinedSample>?
        var cumulative = ConfusionMatrix()
        var scoredPredictions: SlidingWindow<Double>
        var detectors: [(name: String, detector: any DriftDetector)]
    }

    private var models: [String: ModelState] = [:]
    private var variants: [VariantKey: VariantState] = [:]
    private var segments: [SegmentKey: SlidingWindow<JoinedSample>] = [:]
    private let detectorFactory: DetectorFactory?
    /// Where predictions wait for their labels: in this value (`.local`), or in a shared ``LabelJoinStore``
    /// (`.shared`, fleet mode), which the caller drives with the `persist` actions and
    /// ``observe(label:sharedOutcome:now:)``.
    public let joinMode: JoinMode

    /// Where predictions wait for their labels.
    public enum JoinMode: Sendable, Hashable {
        /// In this monitor's ``LabelJoinStateMachine`` (persisted by the caller through the store actions).
        case local
        /// In a store shared by many agents: a prediction only yields a `persist` action for the caller to record
        /// there, and the caller joins labels there and passes the outcome to ``observe(label:sharedOutcome:now:)``.
        case shared
    }

    /// Monitors `models`; `profiles` by model name (optional); `detectorFactory` builds each configured detector.
    public init(models: [ModelConfiguration], profiles: [String: ReferenceProfile] = [:],
                detectorFactory: DetectorFactory? = nil, joinMode: JoinMode = .local) {
        self.joinMode = joinMode
        for m in models {
            self.models[m.name] = ModelState(configuration: m, profile: profiles[m.name],
                                             join: LabelJoinStateMachine(ttlMillis: max(m.labelTTLSeconds, 1) * 1000))
        }
        self.detectorFactory = detectorFactory
    }

    public var modelNames: [String] { models.keys.sorted() }

    public func configuration(of model: String) -> ModelConfiguration? { models[model]?.configuration }

    /// Whether this monitor joined (or saw expire) the prediction of this label recently: a label the shared store
    /// reports unmatched is then a duplicate (or late) at once, not one to retry.
    public func hasSettled(_ label: LabelEvent) -> Bool {
        models[label.model]?.join.hasSettled(model: label.model, requestID: label.requestID) ?? false
    }

    /// Pending predictions per model (for `vigil_model_pending_labels`).
    public var pendingByModel: [String: Int] {
        models.mapValues { $0.join.pendingCount }
    }

    /// Reloads pending predictions from the durable store after a restart.
    public mutating func restore(pending: [PendingPrediction]) {
        var byModel: [String: [PendingPrediction]] = [:]
        for p in pending { byModel[p.model, default: []].append(p) }
        for (model, list) in byModel where models[model] != nil { models[model]!.join.restore(list) }
    }

    // State is taken out of its dictionary while an event changes it (`removeValue`, then stored back), so that
    // it is uniquely referenced and changed in place: a copy held by the dictionary made every event copy the
    // model's pending predictions and its windows (O(pending + window) per event; 18,000 predictions/s at 5,000
    // pending, minutes for 100,000).

    /// A prediction event accepted at `now`.
    public mutating func observe(prediction event: PredictionEvent, now: Int64) -> Update {
        var update = Update()
        guard var state = models.removeValue(forKey: event.model) else {
            update.ignoredReason = "unknown_model"
            return update
        }
        let variant = event.variantName
        update.predictions.append(.init(model: event.model, variant: variant))
        learnTask(&state, predicted: event.prediction, actual: nil, score: event.score)
        var variantState = self.variantState(VariantKey(model: event.model, variant: variant), state.configuration)
        if let score = event.score { variantState.scoredPredictions.append(score, at: now) }
        if let profile = state.profile, !state.configuration.drift.isEmpty {
            let capacity = max(state.configuration.window, 1)
            for feature in profile.features {
                if feature.numeric != nil, let x = event.numericFeatures[feature.name], !x.isNaN {
                    state.numericWindows[feature.name, default: SlidingWindow(capacity: capacity)].append(x, at: now)
                } else if feature.categorical != nil,
                          let v = event.categoricalFeatures[feature.name]
                            ?? event.numericFeatures[feature.name].map(ColumnValues.canonicalText) {
                    state.categoryWindows[feature.name, default: SlidingWindow(capacity: capacity)].append(v, at: now)
                }
            }
        }
        variants[VariantKey(model: event.model, variant: variant)] = variantState
        if let requestID = event.requestID {
            var pending = PendingPrediction(event, requestID: requestID, receivedAtMillis: now)
            if pending.prediction == nil, let score = event.score {
                pending.prediction = score >= state.configuration.threshold ? state.configuration.positiveClass
                    : Self.negativeClass(state)
            }
            switch joinMode {
            case .local: update.storeActions += state.join.recordPrediction(pending)
            case .shared: update.storeActions.append(.persist(pending))
            }
        }
        models[event.model] = state
        return update
    }

    /// A label event accepted at `now`.
    public mutating func observe(label event: LabelEvent, now: Int64) -> Update {
        var update = Update()
        guard var state = models.removeValue(forKey: event.model) else {
            update.ignoredReason = "unknown_model"
            return update
        }
        let result = state.join.recordLabel(event, now: now)
        update.storeActions = result.actions
        score(result, label: event, state: &state, update: &update, now: now)
        models[event.model] = state
        return update
    }

    /// A label joined in a shared ``LabelJoinStore`` (``JoinMode/shared``): `outcome` is what the store returned
    /// for its key. Counted and scored exactly as ``observe(label:now:)`` would have with the predictions waiting
    /// here; an `unmatched` outcome for a prediction this monitor settled itself counts `duplicate` (or `late`).
    ///
    /// ```swift
    /// var monitor = ModelMonitor(models: [ModelConfiguration(name: "fraud")], joinMode: .shared)
    /// let update = monitor.observe(label: label, sharedOutcome: .joined([waiting]), now: t1)
    /// // update.labels == [(fraud, v1, .joined)], update.confusions has the joined pair
    /// ```
    public mutating func observe(label event: LabelEvent, sharedOutcome outcome: LabelJoinOutcome, now: Int64) -> Update {
        var update = Update()
        guard var state = models.removeValue(forKey: event.model) else {
            update.ignoredReason = "unknown_model"
            return update
        }
        let result = state.join.recordSharedOutcome(event, outcome, now: now)
        score(result, label: event, state: &state, update: &update, now: now)
        models[event.model] = state
        return update
    }

    /// Counts a label's outcome and, when joined, scores its predictions (windows, confusion, detectors, segments).
    private mutating func score(_ result: LabelJoinStateMachine.LabelResult, label event: LabelEvent,
                                state: inout ModelState, update: inout Update, now: Int64) {
        if result.predictions.isEmpty {
            update.labels.append(.init(model: event.model, variant: "unknown", outcome: result.outcome))
        }
        for p in result.predictions {
            update.labels.append(.init(model: event.model, variant: p.variant, outcome: result.outcome))
            guard result.outcome == .joined, let predicted = p.prediction else { continue }
            learnTask(&state, predicted: predicted, actual: event.label, score: p.score)
            let sample = JoinedSample(actual: event.label, predicted: predicted, score: p.score,
                                      probabilities: p.probabilities)
            update.confusions.append(.init(model: event.model, variant: p.variant, actual: event.label,
                                           predicted: predicted))
            let key = VariantKey(model: event.model, variant: p.variant)
            var v = variantState(key, state.configuration)
            v.countWindow.append(sample, at: now)
            v.timeWindow?.append(sample, at: now)
            v.cumulative.add(actual: event.label, predicted: predicted)
            let error = Self.isError(sample, regression: Self.task(of: state) == .regression)
            for i in v.detectors.indices {
                v.detectors[i].detector.update(error)
                let d = v.detectors[i].detector
                if d.driftDetected || d.warningDetected {
                    update.detectorSignals.append(.init(model: event.model, variant: p.variant,
                                                        detector: v.detectors[i].name, drift: d.driftDetected,
                                                        warning: d.warningDetected))
                }
            }
            variants[key] = v
            for (field, rawValue) in p.segment.sorted(by: { $0.key < $1.key }) {
                var seen = state.segmentValues.removeValue(forKey: field) ?? []
                let value: String
                if seen.contains(rawValue) { value = rawValue } else if seen.count < state.configuration.maxSegmentValues {
                    seen.insert(rawValue); value = rawValue
                } else { value = "other" }
                state.segmentValues[field] = seen
                let sk = SegmentKey(model: event.model, variant: p.variant, field: field, value: value)
                var w = segments.removeValue(forKey: sk) ?? SlidingWindow(capacity: max(state.configuration.window, 1))
                w.append(sample, at: now)
                segments[sk] = w
            }
        }
    }

    /// Expires predictions whose TTL passed and ages the time windows; call periodically.
    public mutating func tick(now: Int64) -> Update {
        var update = Update()
        for name in models.keys {
            let (_, actions) = models[name]!.join.expire(now: now)
            update.storeActions += actions
        }
        for key in variants.keys { variants[key]!.timeWindow?.evict(now: now) }
        return update
    }

    /// Quality of every model variant seen so far, sorted by model and variant.
    public func snapshot(now: Int64) -> [VariantSnapshot] {
        var out: [VariantSnapshot] = []
        for key in variants.keys.sorted(by: { ($0.model, $0.variant) < ($1.model, $1.variant) }) {
            guard let state = models[key.model], let v = variants[key] else { continue }
            let task = Self.task(of: state)
            let configuration = state.configuration
            var windows: [(String, ModelQuality)] = []
            if let q = Self.quality(v.countWindow.elements, task: task, configuration) { windows.append(("count", q)) }
            if var time = v.timeWindow {
                time.evict(now: now)
                if let q = Self.quality(time.elements, task: task, configuration) { windows.append(("time", q)) }
            }
            var snapshot = VariantSnapshot(model: key.model, variant: key.variant, windows: windows, cumulative: nil,
                                           estimated: nil, segments: [], decay: [])
            if task.isClassification, v.cumulative.total > 0 {
                snapshot.cumulative = ClassificationQuality(
                    matrix: v.cumulative, positiveClass: task == .binaryClassification ? configuration.positiveClass : nil)
            }
            if task == .binaryClassification, !v.scoredPredictions.isEmpty {
                snapshot.estimated = ConfidenceBasedPerformanceEstimation(scores: v.scoredPredictions.elements,
                                                                           threshold: configuration.threshold)
            }
            for (sk, w) in segments where sk.model == key.model && sk.variant == key.variant {
                if let q = Self.quality(w.elements, task: task, configuration) {
                    snapshot.segments.append((sk.field, sk.value, q))
                }
            }
            snapshot.segments.sort { ($0.field, $0.value) < ($1.field, $1.value) }
            if let reference = state.profile?.quality, let current = windows.first?.1 {
                snapshot.decay = DecayCheck.findings(reference: reference, current: current,
                                                     tolerance: configuration.decayTolerance)
            }
            out.append(snapshot)
        }
        return out
    }

    /// One drift test of one feature's recent window against the model's profile.
    public struct FeatureDriftSnapshot: Sendable, Hashable {
        public var model: String
        public var feature: String
        public var method: String
        public var statistic: Double
        public var pValue: Double?
        public var drifted: Bool
    }

    /// Windows smaller than this are not tested (too few values to say anything).
    public static let minimumDriftWindow = 30

    /// Drift of each profiled feature's last `window` values against the profile, for the methods named in
    /// the model's `drift` list. Numeric features are compared with the profile's sorted sketch (`ks`,
    /// `wasserstein`; the sketch holds at most 1,000 order statistics, so KS p-values are those of a
    /// 1,000-value reference) and with its quantile bins (`psi`); categorical features with the profile's
    /// top-K counts plus `other` (`chi2`, `psi`, `jensenshannon`).
    public func featureDrift() -> [FeatureDriftSnapshot] {
        var out: [FeatureDriftSnapshot] = []
        for name in models.keys.sorted() {
            let state = models[name]!
            guard let profile = state.profile else { continue }
            let methods = state.configuration.drift.compactMap(FeatureDriftMethods.named)
            guard !methods.isEmpty else { continue }
            for feature in profile.features {
                if let numeric = feature.numeric, let window = state.numericWindows[feature.name],
                   window.count >= Self.minimumDriftWindow, !numeric.sketch.isEmpty {
                    var current = window.elements
                    Sorting.sort(&current)
                    for method in methods {
                        let m: DriftMeasurement
                        if method.name == "psi" {
                            m = DriftMeasurement(statistic: PopulationStabilityIndex.index(
                                referenceCounts: numeric.binCounts, currentCounts: numeric.binCounts(of: current)))
                        } else if let f = method.numeric {
                            m = f(numeric.sketch, current)
                        } else { continue }
                        out.append(FeatureDriftSnapshot(model: name, feature: feature.name, method: method.name,
                                                        statistic: m.statistic, pValue: m.pValue, drifted: method.drifted(m)))
                    }
                } else if let categorical = feature.categorical, let window = state.categoryWindows[feature.name],
                          window.count >= Self.minimumDriftWindow {
                    let current = categorical.counts(of: window.elements)
                    let reference = categorical.referenceCounts
                    guard reference.reduce(0, +) > 0 else { continue }
                    for method in methods {
                        guard let f = method.categorical else { continue }
                        let m = f(reference, current)
                        out.append(FeatureDriftSnapshot(model: name, feature: feature.name, method: method.name,
                                                        statistic: m.statistic, pValue: m.pValue, drifted: method.drifted(m)))
                    }
                }
            }
        }
        return out
    }

    // MARK: - Helpers

    /// Takes a variant's state out of `variants` (the caller stores it back) or makes a new one.
    private mutating func variantState(_ key: VariantKey, _ configuration: ModelConfiguration) -> VariantState {
        if let v = variants.removeValue(forKey: key) { return v }
        let window = max(configuration.window, 1)
        var detectors: [(String, any DriftDetector)] = []
        for name in configuration.detectors {
            if let d = detectorFactory?(name) { detectors.append((name, d)) }
        }
        return VariantState(
            countWindow: SlidingWindow(capacity: window),
            timeWindow: configuration.windowSeconds.map { SlidingWindow(capacity: 1_000_000, maxAgeMillis: $0 * 1000) },
            scoredPredictions: SlidingWindow(capacity: window), detectors: detectors)
    }

    private func learnTask(_ state: inout ModelState, predicted: String?, actual: String?, score: Double?) {
        if score != nil { state.sawScores = true }
        for value in [predicted, actual].compactMap({ $0 }) {
            if let x = Double(value), x != x.rounded() { state.sawNonIntegerNumbers = true }
            if state.observedClasses.count <= 64 { state.observedClasses.insert(value) }
        }
    }

    private static func task(of state: ModelState) -> ModelTask {
        if let t = state.configuration.task ?? state.profile?.task { return t }
        if state.sawScores { return .binaryClassification }
        if state.sawNonIntegerNumbers { return .regression }
        return state.observedClasses.count <= 2 ? .binaryClassification : .multiclassClassification
    }

    private static func negativeClass(_ state: ModelState) -> String {
        state.observedClasses.first { $0 != state.configuration.positiveClass } ?? "0"
    }

    static func isError(_ sample: JoinedSample, regression: Bool) -> Double {
        if regression {
            // The absolute error feeds the detectors of a regression model.
            guard let a = Double(sample.actual), let p = Double(sample.predicted) else { return 1 }
            return abs(a - p)
        }
        return sample.actual == sample.predicted ? 0 : 1
    }

    static func quality(_ samples: [JoinedSample], task: ModelTask, _ configuration: ModelConfiguration) -> ModelQuality? {
        guard !samples.isEmpty else { return nil }
        if task == .regression {
            var a: [Double] = [], p: [Double] = []
            for s in samples { if let x = Double(s.actual), let y = Double(s.predicted) { a.append(x); p.append(y) } }
            return a.isEmpty ? nil : ModelQuality(actual: a, predicted: p)
        }
        let scored = task == .binaryClassification && samples.allSatisfy { $0.score != nil }
        var quality = ModelQuality(task: task, actual: samples.map(\.actual), predicted: samples.map(\.predicted),
                                   scores: scored ? samples.map { $0.score! } : nil,
                                   positiveClass: configuration.positiveClass)
        if task == .multiclassClassification, samples.allSatisfy({ $0.probabilities != nil }) {
            quality.multiclassScores = MulticlassScoreQuality(actual: samples.map(\.actual),
                                                              probabilities: samples.map { $0.probabilities! })
        }
        return quality
    }
}

/// Accuracy decay: a headline metric below the reference value minus a tolerance (above it plus the tolerance
/// for losses and errors).
///
/// Headline metrics: binary classification `accuracy`, `f1`, `roc_auc`; multiclass `accuracy`, `f1_macro`;
/// regression `r2`. Only these are checked, so one real fall raises a few findings rather than a dozen.
public enum DecayCheck {
    public static func headlineMetrics(_ task: ModelTask) -> Set<String> {
        switch task {
        case .binaryClassification: ["accuracy", "f1", "roc_auc"]
        case .multiclassClassification: ["accuracy", "f1_macro"]
        case .regression: ["r2"]
        }
    }

    public static func findings(reference: [String: Double], current: ModelQuality,
                                tolerance: Double) -> [EvaluationFinding] {
        let headline = headlineMetrics(current.task)
        return findings(reference: reference, current: current.namedValues.filter { headline.contains($0.name) },
                        tolerance: tolerance)
    }

    /// Compares each current figure with the reference figure of the same name; `prefix` names estimated
    /// figures in findings (`estimated_accuracy`).
    public static func findings(reference: [String: Double], current: [(name: String, value: Double)],
                                tolerance: Double, prefix: String = "") -> [EvaluationFinding] {
        var out: [EvaluationFinding] = []
        for (name, value) in current {
            guard let ref = reference[name], ref.isFinite, value.isFinite else { continue }
            if ModelQuality.higherIsBetter(name) {
                if value < ref - tolerance {
                    out.append(EvaluationFinding(kind: .decay, subject: name, metric: prefix + name, value: value,
                                                 threshold: ref - tolerance))
                }
            } else if value > ref + tolerance {
                out.append(EvaluationFinding(kind: .decay, subject: name, metric: prefix + name, value: value,
                                             threshold: ref + tolerance))
            }
        }
        return out
    }
}
