import FoundationEssentials
import Logging
import Synchronization
import VigilCore
import VigilHTTPClient

/// A fleet's rollout evidence read from Prometheus' query API: the queries of ``RolloutQueries`` (sums over every
/// agent's counters), run through the project's HTTP client, their answers assembled into cumulative evidence.
///
/// Invariants:
/// - the window of every query starts at one anchor per rollout (when this source first read it, minus
///   `lookback`), so the answers are cumulative and the state machine's baselines apply;
/// - a failed query, a missing series, or a target that is down or not scraped within `staleness` makes
///   ``RolloutEvidence/problem`` non-nil, which the state machine turns into `inconclusive`: never a rollback;
/// - counters never go back between two complete answers (``RolloutEvidence/atLeast(_:)``).
public final class PrometheusRolloutEvidence: RolloutEvidenceSource, Sendable {
    public let settings: ControllerSettings
    private let client: HTTPClient
    private let nowMillis: @Sendable () -> Int64
    private let anchors = Mutex<[String: Int64]>([:])
    private let previous = Mutex<[String: RolloutEvidence]>([:])
    private let explanations = Mutex<[String: [RolloutQueryExplanation]]>([:])
    private let queries: CounterFamily
    private let queryDuration: HistogramFamily
    private let incomplete: CounterFamily
    private let logger: Logger

    public init(settings: ControllerSettings, registry: MetricRegistry, logger: Logger, baseDirectory: String? = nil,
                now: @escaping @Sendable () -> Int64) throws {
        self.settings = settings
        func resolve(_ path: String?) -> String? {
            guard let path, !path.hasPrefix("/"), let base = baseDirectory else { return path }
            return base + "/" + path
        }
        var auth = settings.authentication
        switch auth {
        case .bearer(let s): auth = .bearer(HTTPSecretSource(file: resolve(s.file), environment: s.environment))
        case .basic(let u, let s): auth = .basic(username: u, password: HTTPSecretSource(file: resolve(s.file), environment: s.environment))
        default: break
        }
        var tls = settings.tls
        tls.caFile = resolve(tls.caFile); tls.certFile = resolve(tls.certFile); tls.keyFile = resolve(tls.keyFile)
        client = try HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: .milliseconds(Int64(min(settings.timeoutSeconds, 5) * 1000)),
            requestTimeout: .milliseconds(Int64(settings.timeoutSeconds * 1000)), tls: tls, authentication: auth,
            connections: 8, maxResponseBytes: 64 << 20), logger: logger)
        nowMillis = now
        self.logger = logger
        queries = registry.counter("vigil_controller_queries_total", help: "Prometheus queries the controller ran, by outcome (ok, error).",
                                   labelNames: ["outcome"])
        queryDuration = registry.histogram("vigil_controller_query_duration_seconds",
                                           help: "Time of one Prometheus query of the controller, request to parsed answer.",
                                           buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        incomplete = registry.counter("vigil_controller_incomplete_evidence_total",
                                      help: "Rollout evaluations whose fleet evidence was incomplete (query error, missing series, stale or down target): inconclusive.",
                                      labelNames: ["model"])
    }

    public func shutdown() { client.shutdown() }

    public func explanation(for model: String) -> [RolloutQueryExplanation]? {
        explanations.withLock { $0[model] } ?? []
    }

    /// Takes the anchor of the stored baseline (written by this controller before a restart, or by another
    /// controller), so the window and the baseline count from the same instant.
    public func continueFrom(_ baseline: RolloutEvidence?, model: String) {
        guard let anchor = baseline?.anchorMillis else { return }
        let moved = anchors.withLock { a -> Bool in
            guard a[model] != anchor else { return false }
            a[model] = anchor
            return true
        }
        if moved { previous.withLock { $0[model] = nil } }
    }

    public func evidence(for definition: RolloutDefinition) async -> RolloutEvidence {
        let now = nowMillis()
        let model = definition.model
        let anchor = anchors.withLock { a -> Int64 in
            if let x = a[model] { return x }
            let x = now - Int64(settings.lookbackSeconds * 1000)
            a[model] = x
            return x
        }
        let window = Int((Double(now - anchor) / 1000).rounded(.up))
        let time = Double(now) / 1000
        let list = RolloutQueries.queries(for: definition, windowSeconds: window)
        let health = RolloutQueries.unhealthyTargets(for: definition, stalenessSeconds: Int(settings.stalenessSeconds.rounded(.up)),
                                                     lookbackSeconds: Int(settings.lookbackSeconds.rounded(.up)))
        var answers: [RolloutQueries.Field: Result<[PrometheusSample], PrometheusQueryError>] = [:]
        var healthAnswer: Result<[PrometheusSample], PrometheusQueryError>?
        await withTaskGroup(of: (Int, Result<[PrometheusSample], PrometheusQueryError>).self) { group in
            for (i, q) in list.enumerated() {
                group.addTask { (i, await self.query(q.promql, time: time)) }
            }
            group.addTask { (-1, await self.query(health, time: time)) }
            for await (i, r) in group {
                if i < 0 { healthAnswer = r } else { answers[list[i].field] = r }
            }
        }
        var e = RolloutQueries.evidence(for: definition, answers: answers, unhealthyTargets: healthAnswer)
        e.anchorMillis = anchor
        if e.problem == nil {
            e = previous.withLock { p in
                let clamped = p[model].map { e.atLeast($0) } ?? e
                p[model] = clamped
                return clamped
            }
        } else {
            incomplete.labels(model).increment()
            logger.warning("fleet rollout evidence incomplete: inconclusive", metadata: ["rollout.model": "\(model)",
                                                                                         "problem": "\(e.problem ?? "")"])
        }
        var explained = list.map { q in
            RolloutQueryExplanation(field: q.field.rawValue, promql: q.promql, usedBy: q.usedBy,
                                    values: Self.values(answers[q.field]), error: Self.error(answers[q.field]), atMillis: now)
        }
        explained.append(RolloutQueryExplanation(field: "unhealthy_targets", promql: health, usedBy: ["completeness"],
                                                 values: Self.targetValues(healthAnswer), error: Self.error(healthAnswer), atMillis: now))
        explanations.withLock { $0[model] = explained }
        return e
    }

    /// One instant query at `time` (seconds), POSTed as a form so long queries fit.
    func query(_ promql: String, time: Double) async -> Result<[PrometheusSample], PrometheusQueryError> {
        let start = ContinuousClock.now
        let body = "query=" + Self.formEncode(promql) + "&time=" + String(format3(time))
        let result: Result<[PrometheusSample], PrometheusQueryError>
        switch await client.result(for: CurlRequest(method: "POST", url: settings.url + "/api/v1/query",
                                                    headers: ["Content-Type: application/x-www-form-urlencoded", "Accept: application/json"],
                                                    body: Array(body.utf8))) {
        case .failure(let error):
            result = .failure(PrometheusQueryError(.unreachable, "\(CurlError.redact(settings.url)): \(error)"))
        case .success(let response):
            result = PrometheusResponse.parse(status: response.status, body: response.body)
        }
        let elapsed = ContinuousClock.now - start
        queryDuration.labels().observe(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        switch result {
        case .success: queries.labels("ok").increment()
        case .failure: queries.labels("error").increment()
        }
        return result
    }

    private func format3(_ t: Double) -> String {
        let ms = Int64((t * 1000).rounded())
        let frac = ms % 1000
        return "\(ms / 1000)." + String(repeating: "0", count: frac < 10 ? 2 : frac < 100 ? 1 : 0) + "\(frac)"
    }

    static func formEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(b >> 4)], hex[Int(b & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func values(_ r: Result<[PrometheusSample], PrometheusQueryError>?) -> [String: Double] {
        guard case .success(let samples)? = r else { return [:] }
        var out: [String: Double] = [:]
        for s in samples {
            var key = s.labels["variant"] ?? ""
            if let le = s.labels["le"] { key += " le=\(le)" }
            out[key] = s.value
        }
        return out
    }

    static func targetValues(_ r: Result<[PrometheusSample], PrometheusQueryError>?) -> [String: Double] {
        guard case .success(let samples)? = r else { return [:] }
        var out: [String: Double] = [:]
        for s in samples { out["\(s.labels["job"] ?? "?")/\(s.labels["instance"] ?? "?")"] = s.value }
        return out
    }

    static func error(_ r: Result<[PrometheusSample], PrometheusQueryError>?) -> String? {
        guard let r else { return "not run" }
        if case .failure(let e) = r { return e.description }
        return nil
    }
}
