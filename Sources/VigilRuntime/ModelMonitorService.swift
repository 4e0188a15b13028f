import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VigilCore
import VigilStorage

/// Drives the pure ``ModelMonitor`` in the agent: parses prediction and label events (with the core's
/// ``MonitorEventParser``: one pass over the bytes, a rejection naming the field), keeps the
/// `vigil_model_*` metrics, and persists pending predictions so a restart keeps waiting for their labels.
///
/// The lead calls ``accept(_:)`` (or ``acceptPrediction(body:timestampMillis:nowMillis:)`` /
/// ``acceptLabel(body:timestampMillis:nowMillis:)``) for every accepted prediction or label event; `run()`
/// expires old predictions and flushes store writes once a second. Quality gauges are computed when
/// `/metrics` is rendered (a registry collector), so events stay cheap.
///
/// Metrics:
/// - `vigil_model_predictions_total{model,variant}` (counter)
/// - `vigil_model_labels_total{model,variant,outcome}` (counter; outcome joined|late|unmatched|duplicate;
///   variant `unknown` for unmatched labels)
/// - `vigil_model_confusion_total{model,variant,actual,predicted}` (counter, at most 1,000 series)
/// - `vigil_model_quality{model,variant,metric,window}` (gauge; window `count`, `time` or `cumulative`)
/// - `vigil_model_estimated_quality{model,variant,metric}` (gauge; CBPE over the last `window` scores)
/// - `vigil_model_segment_quality{model,variant,segment,value,metric}` (gauge, at most 2,000 series)
/// - `vigil_model_decay_detected{model,variant,metric}` (gauge 0/1: windowed quality below reference − tolerance)
/// - `vigil_model_detector_signals_total{model,variant,detector,signal}` (counter; signal drift|warning)
/// - `vigil_model_pending_labels{model}` (gauge)
/// - `vigil_feature_drift{model,feature,method}` (gauge: the statistic of each configured drift method on the
///   feature's last `window` values against the profile) and `vigil_drift_detected{model,feature,method}` (0/1)
/// - `vigil_model_events_ignored_total{reason}` (counter; a ``MonitorRejectReason`` such as missing_field or
///   invalid_field, or unknown_model)
public final class ModelMonitorService: Service, Sendable {
    private let monitor: Mutex<ModelMonitor>
    /// Separate from the monitor's lock: parsing, the larger part of an event's cost, does not hold it.
    private let parser: Mutex<MonitorEventParser>
    /// Reasons already logged as a warning (later events with the same reason log at debug level).
    private let warnedReasons = Mutex<Set<MonitorRejectReason>>([])
    private let evidenceSlot = Mutex<LocalRolloutEvidence?>(nil)

    /// Where predictions and joined labels of rolled-out variants are counted for the rollout engine.
    public var rolloutEvidence: LocalRolloutEvidence? {
        get { evidenceSlot.withLock { $0 } }
        set { evidenceSlot.withLock { $0 = newValue } }
    }
    private let store: PendingPredictionStore?
    /// Fleet mode (`storage.shared`): predictions wait in the shared store and labels are joined there.
    private let shared: SharedJoin?
    /// Outbox rows of events accepted since the last ``commitOutbox()`` (shared mode).
    private let outboxBuffer = Mutex<[SharedJoinOutbox.Entry]>([])
    private let pendingWrites = Mutex<[LabelJoinStateMachine.StoreAction]>([])
    private let ttlMillis: [String: Int64]
    private let thresholds: [String: Double]
    private let logger: Logger
    private let now: @Sendable () -> Int64

    private let predictions: CounterFamily
    private let labels: CounterFamily
    private let confusion: CounterFamily
    private let quality: GaugeFamily
    private let estimated: GaugeFamily
    private let segmentQuality: GaugeFamily
    private let decay: GaugeFamily
    private let detectorSignals: CounterFamily
    private let pending: GaugeFamily
    private let ignored: CounterFamily
    private let featureDrift: GaugeFamily
    private let driftDetected: GaugeFamily

    /// Fleet mode's label join: the shared store, the durable outbox in front of it, and how long a label whose
    /// prediction is not there yet is retried before it counts `unmatched`.
    public struct SharedJoin: Sendable {
        public var store: any LabelJoinStore
        public var outbox: SharedJoinOutbox
        /// A label may reach one agent before its prediction, flushed by another, reaches the store.
        public var graceMillis: Int64
        /// Rows sent to the store per round trip.
        public var batch: Int
        /// How often the outbox is drained.
        public var interval: Duration
        /// How often expired predictions are swept from the shared store.
        public var sweepInterval: Duration

        public init(store: any LabelJoinStore, outbox: SharedJoinOutbox, graceMillis: Int64 = 10_000, batch: Int = 2_000,
                    interval: Duration = .milliseconds(250), sweepInterval: Duration = .seconds(5)) {
            self.store = store
            self.outbox = outbox
            self.graceMillis = graceMillis
            self.batch = batch
            self.interval = interval
            self.sweepInterval = sweepInterval
        }
    }

    private let sharedErrors: CounterFamily?
    private let outboxRows: GaugeFamily?
    /// Last time a shared-state error was logged at warning level (one a minute; the counter has them all).
    private let lastSharedWarning = Mutex<Int64>(0)

    /// - Parameters:
    ///   - models: one configuration per monitored model.
    ///   - profiles: reference profiles by model name (see ``loadProfiles(_:relativeTo:)``).
    ///   - store: where pending predictions survive restarts (`nil`: memory only).
    ///   - now: the wall clock in milliseconds since 1970 (a parameter for tests).
    ///   - fields: the pipeline's field names (`fields.model`, `fields.variant` rename those two).
    public init(models: [ModelConfiguration], profiles: [String: ReferenceProfile] = [:], registry: MetricRegistry,
                store: PendingPredictionStore? = nil, shared: SharedJoin? = nil, logger: Logger = Logger(label: "vigil.monitor"),
                fields: PipelineConfiguration.Fields = .init(),
                now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        parser = Mutex(MonitorEventParser(modelField: fields.model, variantField: fields.variant))
        monitor = Mutex(ModelMonitor(models: models, profiles: profiles, detectorFactory: { name in
            try? DriftDetectorFactory.make(name)
        }, joinMode: shared == nil ? .local : .shared))
        self.store = store
        self.shared = shared
        sharedErrors = shared == nil ? nil : registry.counter("vigil_shared_state_errors_total",
            help: "Operations on the shared PostgreSQL state that failed (the agent kept its last known state).",
            labelNames: ["operation"])
        outboxRows = shared == nil ? nil : registry.gauge("vigil_shared_join_outbox_rows",
            help: "Predictions and labels accepted but not yet taken by the shared label join (storage.shared).",
            labelNames: ["kind"])
        self.logger = logger
        self.now = now
        ttlMillis = Dictionary(models.map { ($0.name, max($0.labelTTLSeconds, 1) * 1000) }, uniquingKeysWith: { a, _ in a })
        thresholds = Dictionary(models.map { ($0.name, $0.threshold) }, uniquingKeysWith: { a, _ in a })
        predictions = registry.counter("vigil_model_predictions_total", help: "Prediction events received per model and variant.",
                                       labelNames: ["model", "variant"])
        labels = registry.counter("vigil_model_labels_total", help: "Label events by join outcome (joined, late, unmatched, duplicate).",
                                  labelNames: ["model", "variant", "outcome"])
        confusion = registry.counter("vigil_model_confusion_total", help: "Joined predictions by actual and predicted class.",
                                     labelNames: ["model", "variant", "actual", "predicted"], cardinalityLimit: 1000)
        quality = registry.gauge("vigil_model_quality", help: "Realised model quality over a window of joined predictions.",
                                 labelNames: ["model", "variant", "metric", "window"])
        estimated = registry.gauge("vigil_model_estimated_quality", help: "Quality estimated from scores without labels (CBPE).",
                                   labelNames: ["model", "variant", "metric"])
        segmentQuality = registry.gauge("vigil_model_segment_quality", help: "Realised quality per segment value (count window).",
                                        labelNames: ["model", "variant", "segment", "value", "metric"], cardinalityLimit: 2000)
        decay = registry.gauge("vigil_model_decay_detected", help: "1 when windowed quality is below the reference minus the tolerance.",
                               labelNames: ["model", "variant", "metric"])
        detectorSignals = registry.counter("vigil_model_detector_signals_total", help: "Drift and warning signals of detectors on the error stream.",
                                           labelNames: ["model", "variant", "detector", "signal"])
        pending = registry.gauge("vigil_model_pending_labels", help: "Predictions waiting for their label.", labelNames: ["model"])
        ignored = registry.counter("vigil_model_events_ignored_total", help: "Prediction or label events the monitor could not use.",
                                   labelNames: ["reason"])
        featureDrift = registry.gauge("vigil_feature_drift", help: "Drift statistic of a feature's recent window against the reference profile.",
                                      labelNames: ["model", "feature", "method"], cardinalityLimit: 2000)
        driftDetected = registry.gauge("vigil_drift_detected", help: "1 when a drift method flags the feature against the reference profile.",
                                       labelNames: ["model", "feature", "method"], cardinalityLimit: 2000)
        for model in models {
            pending.labels(model.name).set(0)
        }
        // The profile's realised quality: the line the windowed quality is compared with (decay = below it minus
        // the model's tolerance). Constant for a run, so set once.
        let reference = registry.gauge("vigil_model_reference_quality",
                                       help: "Realised quality on the model's reference profile (the decay check's baseline).",
                                       labelNames: ["model", "metric"])
        for model in models {
            guard let profileQuality = profiles[model.name]?.quality else { continue }
            for (metric, value) in profileQuality.sorted(by: { $0.key < $1.key }) where value.isFinite {
                reference.labels(model.name, metric).set(value)
            }
        }
        registry.addCollector { [weak self] in self?.updateGauges() }
    }

    /// Loads each model's profile; paths relative to `directory` when not absolute.
    public static func loadProfiles(_ models: [ModelConfiguration], relativeTo directory: String? = nil) throws -> [String: ReferenceProfile] {
        var out: [String: ReferenceProfile] = [:]
        for model in models {
            guard let path = model.profilePath else { continue }
            let resolved = path.hasPrefix("/") || directory == nil ? path : directory! + "/" + path
            out[model.name] = try ProfileDriver.load(path: resolved)
        }
        return out
    }

    /// Reloads pending predictions from the store (call once before events flow).
    public func restore() throws {
        if let shared {
            // Nothing waits here in fleet mode: the outbox is read where it is by the drain.
            let counts = try shared.outbox.counts()
            logger.info("shared label join outbox", metadata: ["monitor.outbox.predictions": "\(counts[.prediction] ?? 0)",
                                                               "monitor.outbox.labels": "\(counts[.label] ?? 0)"])
            return
        }
        guard let store else { return }
        let rows = try store.database.sqlite.withConnection { conn in
            try conn.query("SELECT payload FROM pending_predictions WHERE joined = 0 AND payload IS NOT NULL") { $0.blob(0) }
        }
        let decoder = JSONDecoder()
        let restored = rows.compactMap { try? decoder.decode(PendingPrediction.self, from: Data($0)) }
        monitor.withLock { $0.restore(pending: restored) }
        logger.info("pending predictions restored", metadata: ["monitor.pending": "\(restored.count)"])
    }

    /// Accepts a pipeline event of kind prediction or label (others are ignored). The body is read where it is
    /// (no copy out of a source's arena).
    public func accept(_ event: Event) {
        switch event.kind {
        case .prediction:
            event.withBody { acceptPrediction(UnsafeRawBufferPointer($0), timestampMillis: event.timestampMillis, nowMillis: nil) }
        case .label:
            event.withBody { acceptLabel(UnsafeRawBufferPointer($0), timestampMillis: event.timestampMillis, nowMillis: nil) }
        case .log:
            break
        }
    }

    /// Accepts a batch of pipeline events; in fleet mode their outbox rows are written in one transaction before
    /// this returns (so what a source acknowledged is not lost if the agent is killed).
    public func accept(_ events: [Event]) {
        for event in events where event.kind != .log { accept(event) }
        commitOutbox()
    }

    /// Writes the outbox rows buffered by accepted events (fleet mode; a no-op otherwise). A full outbox refuses
    /// the batch: counted in `vigil_model_events_ignored_total{reason="shared_outbox_full"}` and logged.
    public func commitOutbox() {
        guard let shared else { return }
        let entries = outboxBuffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        guard !entries.isEmpty else { return }
        do {
            try shared.outbox.append(entries)
        } catch {
            ignored.labels("shared_outbox_full").increment(by: Double(entries.count))
            logger.error("shared label join outbox refused events", metadata: ["error": "\(error)", "monitor.events": "\(entries.count)"])
        }
    }

    /// Accepts one prediction event (a JSON object, DESIGN.md "Events").
    public func acceptPrediction(body: [UInt8], timestampMillis: Int64, nowMillis: Int64? = nil) {
        body.withUnsafeBytes { acceptPrediction($0, timestampMillis: timestampMillis, nowMillis: nowMillis) }
    }

    /// Accepts one label event (`request_id`, `model`, `label`).
    public func acceptLabel(body: [UInt8], timestampMillis: Int64, nowMillis: Int64? = nil) {
        body.withUnsafeBytes { acceptLabel($0, timestampMillis: timestampMillis, nowMillis: nowMillis) }
    }

    func acceptPrediction(_ bytes: UnsafeRawBufferPointer, timestampMillis: Int64, nowMillis: Int64?) {
        switch parser.withLock({ $0.parsePrediction(bytes, timestampMillis: timestampMillis) }) {
        case .success(let event):
            var update = monitor.withLock { $0.observe(prediction: event, now: nowMillis ?? now()) }
            if shared != nil {
                let encoder = JSONEncoder()
                let rows = update.storeActions.compactMap { action -> SharedJoinOutbox.Entry? in
                    guard case .persist(let p) = action, let payload = try? encoder.encode(p) else { return nil }
                    return SharedJoinOutbox.Entry(kind: .prediction, payload: [UInt8](payload), queuedAtMillis: p.receivedAtMillis)
                }
                update.storeActions = []
                if !rows.isEmpty { outboxBuffer.withLock { $0 += rows } }
            }
            apply(update)
            if update.ignoredReason == nil, let evidence = rolloutEvidence {
                evidence.record(event, threshold: thresholds[event.model] ?? 0.5)
            }
        case .failure(let rejection):
            ignore(rejection, kind: "prediction")
        }
    }

    func acceptLabel(_ bytes: UnsafeRawBufferPointer, timestampMillis: Int64, nowMillis: Int64?) {
        switch parser.withLock({ $0.parseLabel(bytes, timestampMillis: timestampMillis) }) {
        case .success(let event):
            if shared != nil {
                // Known models only: a label for an unknown model is ignored at once, as in local mode.
                guard monitor.withLock({ $0.configuration(of: event.model) }) != nil else {
                    apply(monitor.withLock { $0.observe(label: event, sharedOutcome: .unmatched, now: nowMillis ?? now()) })
                    return
                }
                if let payload = try? JSONEncoder().encode(event) {
                    let entry = SharedJoinOutbox.Entry(kind: .label, payload: [UInt8](payload), queuedAtMillis: nowMillis ?? now())
                    outboxBuffer.withLock { $0.append(entry) }
                }
                return
            }
            let update = monitor.withLock { $0.observe(label: event, now: nowMillis ?? now()) }
            apply(update)
        case .failure(let rejection):
            ignore(rejection, kind: "label")
        }
    }

    /// Counts an event the monitor cannot use and says why (a warning the first time for each reason, so a
    /// stream of bad events does not flood the log; the counter has them all).
    private func ignore(_ rejection: MonitorEventRejection, kind: String) {
        ignored.labels(rejection.reason.rawValue).increment()
        let first = warnedReasons.withLock { $0.insert(rejection.reason).inserted }
        logger.log(level: first ? .warning : .debug, "model monitor ignored an event", metadata: [
            "monitor.event": "\(kind)", "monitor.reason": "\(rejection.reason.rawValue)",
            "monitor.field": "\(rejection.field ?? "")", "error": "\(rejection.message)",
        ])
    }

    /// Expires predictions past their TTL and writes pending store changes; `run()` calls it every second.
    public func tick(nowMillis: Int64? = nil) {
        let t = nowMillis ?? now()
        let update = monitor.withLock { $0.tick(now: t) }
        apply(update)
        flush(nowMillis: t)
    }

    /// Writes buffered pending-prediction changes to the store in one transaction each.
    public func flush(nowMillis: Int64? = nil) {
        guard let store else {
            pendingWrites.withLock { $0.removeAll() }
            return
        }
        let actions = pendingWrites.withLock { actions in
            defer { actions.removeAll() }
            return actions
        }
        guard !actions.isEmpty else { return }
        let encoder = JSONEncoder()
        do {
            var puts: [PendingPredictionStore.Entry] = []
            var takes: [(requestID: String, model: String)] = []
            for action in actions {
                switch action {
                case .persist(let p):
                    if !takes.isEmpty { _ = try store.take(takes); takes.removeAll() }
                    puts.append(.init(requestID: p.requestID, model: p.model, payload: [UInt8](try encoder.encode(p)),
                                      expiresAtMillis: p.receivedAtMillis + (ttlMillis[p.model] ?? LabelJoinStateMachine.defaultTTLMillis)))
                case .delete(let model, let requestID):
                    if !puts.isEmpty { try store.put(puts); puts.removeAll() }
                    takes.append((requestID, model))
                }
            }
            if !puts.isEmpty { try store.put(puts) }
            if !takes.isEmpty { _ = try store.take(takes) }
            try store.expire(nowMillis: nowMillis ?? now())
        } catch {
            logger.error("pending prediction store write failed", metadata: ["error": "\(error)", "monitor.actions": "\(actions.count)"])
        }
    }

    /// Call ``restore()`` before events flow (the agent does, before it starts its services).
    /// Ends on graceful shutdown or cancellation after a last flush of pending-prediction writes.
    public func run() async throws {
        if let shared {
            try await runShared(shared)
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) } } catch { break }
            tick()
        }
        flush()
    }

    // MARK: - Fleet mode: the shared label join

    /// Drains the outbox every `interval` and sweeps expired predictions every `sweepInterval`; a last drain on
    /// shutdown.
    private func runShared(_ shared: SharedJoin) async throws {
        var lastSweep = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: shared.interval) } } catch { break }
            let t = now()
            apply(monitor.withLock { $0.tick(now: t) })
            pendingWrites.withLock { $0.removeAll() }
            while await drainShared(nowMillis: t) {}
            if ContinuousClock.now - lastSweep >= shared.sweepInterval {
                lastSweep = ContinuousClock.now
                await sweepShared(nowMillis: t)
            }
        }
        _ = await drainShared(nowMillis: now())
    }

    /// One round trip's worth of the outbox: records its predictions in the shared store, then joins its labels
    /// there and counts and scores what comes back. Rows leave the outbox only once the store has them; a store
    /// error leaves them for the next round. A label the store does not know yet is retried (backing off) until
    /// it is `graceMillis` old, then counted `unmatched`. Returns whether a full batch was taken (more may wait).
    @discardableResult
    public func drainShared(nowMillis t: Int64) async -> Bool {
        guard let shared else { return false }
        let rows: [SharedJoinOutbox.Row]
        do { rows = try shared.outbox.next(limit: shared.batch, nowMillis: t) } catch {
            sharedFailure("outbox", error)
            return false
        }
        guard !rows.isEmpty else { return false }
        let decoder = JSONDecoder()
        var done: [Int64] = []
        var entries: [PendingPredictionEntry] = []
        var labels: [(row: SharedJoinOutbox.Row, event: LabelEvent)] = []
        for row in rows {
            switch row.entry.kind {
            case .prediction:
                if let p = try? decoder.decode(PendingPrediction.self, from: Data(row.entry.payload)) {
                    entries.append(PendingPredictionEntry(p, expiresAtMillis: p.receivedAtMillis + (ttlMillis[p.model] ?? LabelJoinStateMachine.defaultTTLMillis)))
                }
                done.append(row.id)
            case .label:
                if let l = try? decoder.decode(LabelEvent.self, from: Data(row.entry.payload)) {
                    labels.append((row, l))
                } else {
                    done.append(row.id)
                }
            }
        }
        // Predictions first, so that a label in the same batch finds its prediction.
        if !entries.isEmpty {
            do { try await shared.store.record(entries) } catch {
                sharedFailure("record", error)
                return false
            }
        }
        var retry: [Int64: Int64] = [:]
        if !labels.isEmpty {
            let outcomes: [LabelJoinOutcome]
            do {
                outcomes = try await shared.store.join(labels.map { LabelJoinKey(model: $0.event.model, requestID: $0.event.requestID) },
                                                       nowMillis: t)
            } catch {
                sharedFailure("join", error)
                try? shared.outbox.remove(done)   // the predictions are recorded
                return false
            }
            for (item, outcome) in zip(labels, outcomes) {
                let age = t - item.row.entry.queuedAtMillis
                if case .unmatched = outcome, age < shared.graceMillis, !monitor.withLock({ $0.hasSettled(item.event) }) {
                    // 250 ms, 500 ms, 1 s, 2 s, … until the grace period ends.
                    let backoff = Int64(250) << min(item.row.attempts, 6)
                    retry[item.row.id] = min(t + backoff, item.row.entry.queuedAtMillis + shared.graceMillis)
                    continue
                }
                apply(monitor.withLock { $0.observe(label: item.event, sharedOutcome: outcome, now: t) })
                done.append(item.row.id)
            }
        }
        do {
            try shared.outbox.remove(done)
            for (id, at) in retry { try shared.outbox.defer([id], until: at) }
        } catch {
            sharedFailure("outbox", error)
            return false
        }
        return rows.count == shared.batch
    }

    /// Removes predictions whose labels stopped being awaited from the shared store (a bounded batch at a time:
    /// each agent sweeps, and concurrent sweeps skip each other's rows).
    public func sweepShared(nowMillis t: Int64) async {
        guard let shared else { return }
        for _ in 0..<10 {
            do {
                let expired = try await shared.store.expire(nowMillis: t, limit: 10_000)
                if expired.count < 10_000 { return }
            } catch {
                sharedFailure("expire", error)
                return
            }
        }
    }

    private func sharedFailure(_ operation: String, _ error: any Error) {
        sharedErrors?.labels(operation).increment()
        let t = now()
        let warn = lastSharedWarning.withLock { last in
            guard t - last >= 60_000 else { return false }
            last = t
            return true
        }
        logger.log(level: warn ? .warning : .debug, "shared label join failed; kept for the next round", metadata: [
            "monitor.operation": "\(operation)", "error": "\(error)",
        ])
    }

    // MARK: - Metrics

    private func apply(_ update: ModelMonitor.Update) {
        if let reason = update.ignoredReason { ignored.labels(reason).increment() }
        for p in update.predictions { predictions.labels(p.model, p.variant).increment() }
        for l in update.labels { labels.labels(l.model, l.variant, l.outcome.rawValue).increment() }
        for c in update.confusions { confusion.labels(c.model, c.variant, c.actual, c.predicted).increment() }
        if !update.confusions.isEmpty, let evidence = rolloutEvidence { evidence.record(update.confusions) }
        for s in update.detectorSignals {
            if s.drift { detectorSignals.labels(s.model, s.variant, s.detector, "drift").increment() }
            if s.warning { detectorSignals.labels(s.model, s.variant, s.detector, "warning").increment() }
        }
        if !update.storeActions.isEmpty { pendingWrites.withLock { $0 += update.storeActions } }
    }

    /// Computes the gauges (run by the registry before each render).
    public func updateGauges() {
        let t = now()
        let (snapshots, pendingCounts, drift) = monitor.withLock { ($0.snapshot(now: t), $0.pendingByModel, $0.featureDrift()) }
        for d in drift where d.statistic.isFinite {
            featureDrift.labels(d.model, d.feature, d.method).set(d.statistic)
            driftDetected.labels(d.model, d.feature, d.method).set(d.drifted ? 1 : 0)
        }
        for (model, count) in pendingCounts { pending.labels(model).set(Double(count)) }
        if let shared, let counts = try? shared.outbox.counts() {
            outboxRows?.labels("prediction").set(Double(counts[.prediction] ?? 0))
            outboxRows?.labels("label").set(Double(counts[.label] ?? 0))
        }
        for s in snapshots {
            for (window, q) in s.windows {
                for (metric, value) in q.namedValues where value.isFinite {
                    quality.labels(s.model, s.variant, metric, window).set(value)
                }
            }
            if let c = s.cumulative {
                for (metric, value) in c.namedValues where value.isFinite {
                    quality.labels(s.model, s.variant, metric, "cumulative").set(value)
                }
            }
            if let e = s.estimated {
                for (metric, value) in e.namedValues where value.isFinite {
                    estimated.labels(s.model, s.variant, metric).set(value)
                }
            }
            for (field, value, q) in s.segments {
                for (metric, v) in q.namedValues where v.isFinite && ["accuracy", "f1", "roc_auc", "mae", "r2"].contains(metric) {
                    segmentQuality.labels(s.model, s.variant, field, value, metric).set(v)
                }
            }
            let decayed = Set(s.decay.map(\.metric))
            for metric in ["accuracy", "f1", "roc_auc", "f1_macro", "r2"] where s.windows.first?.quality.value(metric) != nil {
                decay.labels(s.model, s.variant, metric).set(decayed.contains(metric) ? 1 : 0)
            }
        }
    }

    // MARK: - Parsing

    /// Parses a prediction event with the core's ``MonitorEventParser``; nil when it is rejected.
    public static func parsePrediction(_ body: [UInt8], timestampMillis: Int64) -> PredictionEvent? {
        var parser = MonitorEventParser()
        return try? parser.parsePrediction(body, timestampMillis: timestampMillis).get()
    }

    /// Parses a label event with the core's ``MonitorEventParser``; nil when it is rejected.
    public static func parseLabel(_ body: [UInt8], timestampMillis: Int64) -> LabelEvent? {
        var parser = MonitorEventParser()
        return try? parser.parseLabel(body, timestampMillis: timestampMillis).get()
    }
}
