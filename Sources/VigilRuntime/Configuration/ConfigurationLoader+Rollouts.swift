import VigilCore
import Yams

extension ConfigurationLoader {
    static let rolloutKeys = ["model", "champion", "challenger", "steps", "min_samples", "min_step_duration", "alpha",
                              "srm_alpha", "guardrails", "primary", "auto", "salt", "requests", "evaluator"]
    static let rolloutMetricNames = ["error_rate", "latency", "accuracy", "mae", "estimated_accuracy", "drift"]

    /// `rollouts:` — one entry per model; see docs/configuration.md.
    static func readRollouts(_ top: ObjectReader, models monitored: Set<String>) -> [RolloutDefinition] {
        var evaluators = Set<String>()
        return readRollouts(top, models: monitored, evaluators: &evaluators)
    }

    /// - Parameter evaluators: receives the models with `evaluator: controller`.
    static func readRollouts(_ top: ObjectReader, models monitored: Set<String>, evaluators: inout Set<String>) -> [RolloutDefinition] {
        var rollouts: [RolloutDefinition] = []
        var models = Set<String>()
        top.list("rollouts") { node, path in
            top.reader.object(node, path, keys: rolloutKeys) { r in
                var missing = false
                for key in ["model", "champion", "challenger"] where r.child(key) == nil {
                    r.reader.report(node, r.path(key), "is required")
                    missing = true
                }
                guard !missing, let model = r.string("model"), let champion = r.string("champion"),
                      let challenger = r.string("challenger") else { return }
                if !models.insert(model).inserted { r.report("model", "a rollout for \"\(model)\" is configured twice") }
                if !monitored.contains(model) {
                    r.report("model", "\"\(model)\" is not under models:; add { name: \(model) } there so its predictions and labels are counted")
                }
                let steps = readSteps(r) ?? RolloutDefinition.defaultSteps
                let minSamples = r.int("min_samples", range: 2...100_000_000) ?? 200
                let minStep = r.duration("min_step_duration", range: 0...(30 * 86_400)) ?? 60
                let alpha = r.double("alpha", range: 0.0001...0.25) ?? 0.05
                let srmAlpha = r.double("srm_alpha", range: 0.000001...0.25) ?? 0.001
                let automatic = r.bool("auto") ?? true
                let requests = r.oneOf("requests", RolloutDefinition.RequestSource.allCases.map(\.rawValue))
                    .flatMap(RolloutDefinition.RequestSource.init(rawValue:)) ?? .predictions
                var guardrails = RolloutDefinition.defaultGuardrails
                if r.child("guardrails") != nil {
                    guardrails = []
                    r.list("guardrails") { gNode, gPath in
                        var margin = 0.0
                        if let metric = readRolloutMetric(r.reader, gNode, gPath, extraKeys: ["margin"], extra: { g in
                            margin = g.double("margin", range: 0...1_000_000) ?? 0
                        }) {
                            guardrails.append(RolloutGuardrail(metric: metric, margin: margin))
                        }
                    }
                }
                var primary: RolloutPrimary?
                if let pNode = r.child("primary") {
                    var effect = 0.0
                    if let metric = readRolloutMetric(r.reader, pNode, r.path("primary"), extraKeys: ["min_effect"], extra: { p in
                        effect = p.double("min_effect", range: 0...1_000_000) ?? 0
                    }) {
                        primary = RolloutPrimary(metric: metric, minimumEffect: effect)
                    }
                }
                let salt = r.string("salt")
                if r.oneOf("evaluator", rolloutEvaluators) == "controller" { evaluators.insert(model) }
                do throws(RolloutDefinitionError) {
                    rollouts.append(try RolloutDefinition(
                        model: model, champion: champion, challenger: challenger, steps: steps, minSamples: minSamples,
                        minStepDurationMillis: Int64(minStep * 1000), alpha: alpha, srmAlpha: srmAlpha,
                        guardrails: guardrails, primary: primary, automatic: automatic, salt: salt,
                        requestSource: requests))
                } catch {
                    r.reader.report(r.child(rolloutYAMLKey(error.field)) ?? node, r.path(error.field), error.message)
                }
            }
        }
        return rollouts
    }

    /// The YAML key a definition error's field starts with (`guardrails[1].margin` → `guardrails`).
    static func rolloutYAMLKey(_ field: String) -> String {
        String(field.prefix { $0 != "[" && $0 != "." })
    }

    static func readSteps(_ r: ObjectReader) -> [Double]? {
        guard let node = r.child("steps") else { return nil }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            r.report("steps", "expected a list of percentages such as [5, 10, 25, 50, 100]")
            return nil
        }
        var steps: [Double] = []
        for (i, item) in sequence.enumerated() {
            guard let text = item.string, let value = Double(text.hasSuffix("%") ? String(text.dropLast()) : text) else {
                r.reader.report(item, "\(r.path("steps"))[\(i)]", "expected a percentage, got \(r.reader.describe(item))")
                return nil
            }
            steps.append(value)
        }
        return steps
    }

    static func readRolloutMetric(_ reader: ConfigReader, _ node: Node, _ path: String, extraKeys: [String],
                                  extra: (ObjectReader) -> Void) -> RolloutMetric? {
        var metric: RolloutMetric?
        reader.object(node, path, keys: ["metric", "quantile", "feature"] + extraKeys) { m in
            extra(m)
            guard m.child("metric") != nil else { m.reader.report(node, m.path("metric"), "is required"); return }
            guard let name = m.oneOf("metric", rolloutMetricNames) else { return }
            switch name {
            case "error_rate": metric = .errorRate
            case "latency": metric = .latency(quantile: m.double("quantile", range: 0.5...0.9999) ?? 0.99)
            case "accuracy": metric = .quality(.accuracy)
            case "mae": metric = .quality(.meanAbsoluteError)
            case "estimated_accuracy": metric = .estimatedAccuracy
            default:
                guard let feature = m.string("feature") else {
                    if m.child("feature") == nil { m.reader.report(node, m.path("feature"), "is required for metric drift") }
                    return
                }
                metric = .drift(feature: feature)
            }
            if name != "latency", m.child("quantile") != nil { m.report("quantile", "applies only to metric latency") }
            if name != "drift", m.child("feature") != nil { m.report("feature", "applies only to metric drift") }
        }
        return metric
    }
}
