/// A detector parameter value, typed for display (the `params` object of `vigil detect`).
public enum DriftParameterValue: Sendable, Hashable {
    case int(Int64), double(Double), bool(Bool), string(String), doubles([Double])
}

/// The streaming detectors Vigil offers, by their River names.
public enum DriftDetectorKind: String, Sendable, Hashable, CaseIterable {
    case adwin
    case pageHinkley = "page_hinkley"
    case kswin
    case ddm
    case eddm
    case hddmA = "hddm_a"
    case hddmW = "hddm_w"

    /// Accepts River's and common spellings: `ADWIN`, `PageHinkley`, `page-hinkley`, `HDDM_A`, `hddma`…
    public init?(name: String) {
        let key = String(name.lowercased().filter { $0 != "_" && $0 != "-" })
        switch key {
        case "adwin": self = .adwin
        case "pagehinkley", "ph": self = .pageHinkley
        case "kswin": self = .kswin
        case "ddm": self = .ddm
        case "eddm": self = .eddm
        case "hddma": self = .hddmA
        case "hddmw": self = .hddmW
        default: return nil
        }
    }

    /// Whether the detector expects a 0/1 error stream.
    public var isBinary: Bool {
        switch self {
        case .ddm, .eddm, .hddmA, .hddmW: true
        case .adwin, .pageHinkley, .kswin: false
        }
    }

    /// River's parameter names with their defaults, in River's order.
    public var defaultParameters: [(name: String, value: DriftParameterValue)] {
        switch self {
        case .adwin:
            let c = ADWIN.Configuration()
            return [("delta", .double(c.delta)), ("clock", .int(Int64(c.clock))),
                    ("max_buckets", .int(Int64(c.maxBuckets))),
                    ("min_window_length", .int(Int64(c.minWindowLength))),
                    ("grace_period", .int(Int64(c.gracePeriod)))]
        case .pageHinkley:
            let c = PageHinkley.Configuration()
            return [("min_instances", .int(Int64(c.minInstances))), ("delta", .double(c.delta)),
                    ("threshold", .double(c.threshold)), ("alpha", .double(c.alpha)),
                    ("mode", .string(c.mode.rawValue))]
        case .kswin:
            let c = KSWIN.Configuration()
            return [("alpha", .double(c.alpha)), ("window_size", .int(Int64(c.windowSize))),
                    ("stat_size", .int(Int64(c.statSize))), ("seed", .int(c.seed)), ("window", .doubles([]))]
        case .ddm:
            let c = DDM.Configuration()
            return [("warm_start", .int(Int64(c.warmStart))), ("warning_threshold", .double(c.warningThreshold)),
                    ("drift_threshold", .double(c.driftThreshold))]
        case .eddm:
            let c = EDDM.Configuration()
            return [("warm_start", .int(Int64(c.warmStart))), ("alpha", .double(c.alpha)), ("beta", .double(c.beta))]
        case .hddmA:
            let c = HDDMA.Configuration()
            return [("drift_confidence", .double(c.driftConfidence)),
                    ("warning_confidence", .double(c.warningConfidence)), ("two_sided_test", .bool(c.twoSidedTest))]
        case .hddmW:
            let c = HDDMW.Configuration()
            return [("drift_confidence", .double(c.driftConfidence)),
                    ("warning_confidence", .double(c.warningConfidence)), ("lambda_val", .double(c.lambda)),
                    ("two_sided_test", .bool(c.twoSidedTest))]
        }
    }
}

/// Builds detectors from a name and River-named text parameters (the CLI's `--param name=value` and the
/// agent's configuration).
///
/// ```swift
/// var d = try DriftDetectorFactory.make("adwin", parameters: ["delta": "0.01"])
/// ```
public enum DriftDetectorFactory {
    /// A detector with its resolved parameters (defaults overridden by the given ones).
    public struct Resolved: Sendable {
        public var kind: DriftDetectorKind
        public var parameters: [(name: String, value: DriftParameterValue)]
        public var detector: any DriftDetector
    }

    public static func make(_ name: String, parameters: [String: String] = [:]) throws -> any DriftDetector {
        try resolve(name, parameters: parameters).detector
    }

    /// - Throws: `DriftConfigurationError` for an unknown detector (parameter `detector`), an unknown
    ///   parameter, a value of the wrong type, or an out-of-range configuration.
    public static func resolve(_ name: String, parameters: [String: String] = [:]) throws -> Resolved {
        guard let kind = DriftDetectorKind(name: name) else {
            let known = DriftDetectorKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw DriftConfigurationError(parameter: "detector", reason: "unknown detector '\(name)' (known: \(known))")
        }
        var values = kind.defaultParameters
        for (key, text) in parameters {
            guard let index = values.firstIndex(where: { $0.name == key }) else {
                let known = values.map(\.name).joined(separator: ", ")
                throw DriftConfigurationError(parameter: key, reason: "not a parameter of \(kind.rawValue) (known: \(known))")
            }
            values[index].value = try parse(text, like: values[index].value, name: key)
        }
        let p = Dictionary(uniqueKeysWithValues: values.map { ($0.name, $0.value) })
        let detector: any DriftDetector
        switch kind {
        case .adwin:
            detector = try ADWIN(.init(delta: p.double("delta"), clock: p.int("clock"), maxBuckets: p.int("max_buckets"),
                                       minWindowLength: p.int("min_window_length"), gracePeriod: p.int("grace_period")))
        case .pageHinkley:
            guard let mode = PageHinkley.Mode(rawValue: p.string("mode")) else {
                throw DriftConfigurationError(parameter: "mode", reason: "must be up, down or both")
            }
            detector = try PageHinkley(.init(minInstances: p.int("min_instances"), delta: p.double("delta"),
                                             threshold: p.double("threshold"), alpha: p.double("alpha"), mode: mode))
        case .kswin:
            detector = try KSWIN(.init(alpha: p.double("alpha"), windowSize: p.int("window_size"),
                                       statSize: p.int("stat_size"), seed: Int64(p.int("seed")),
                                       window: p.doubles("window")))
        case .ddm:
            detector = try DDM(.init(warmStart: p.int("warm_start"), warningThreshold: p.double("warning_threshold"),
                                     driftThreshold: p.double("drift_threshold")))
        case .eddm:
            detector = try EDDM(.init(warmStart: p.int("warm_start"), alpha: p.double("alpha"), beta: p.double("beta")))
        case .hddmA:
            detector = try HDDMA(.init(driftConfidence: p.double("drift_confidence"),
                                       warningConfidence: p.double("warning_confidence"),
                                       twoSidedTest: p.bool("two_sided_test")))
        case .hddmW:
            detector = try HDDMW(.init(driftConfidence: p.double("drift_confidence"),
                                       warningConfidence: p.double("warning_confidence"),
                                       lambda: p.double("lambda_val"), twoSidedTest: p.bool("two_sided_test")))
        }
        return Resolved(kind: kind, parameters: values, detector: detector)
    }

    private static func parse(_ text: String, like template: DriftParameterValue, name: String) throws -> DriftParameterValue {
        let t = text.trimmingWhitespace()
        switch template {
        case .int:
            if let i = Int64(t) { return .int(i) }
            if let d = Double(t), d == d.rounded(), abs(d) < 9e15 { return .int(Int64(d)) }
            throw DriftConfigurationError(parameter: name, reason: "'\(text)' is not an integer")
        case .double:
            guard let d = Double(t), d.isFinite else {
                throw DriftConfigurationError(parameter: name, reason: "'\(text)' is not a number")
            }
            return .double(d)
        case .bool:
            switch t.lowercased() {
            case "true", "1", "yes": return .bool(true)
            case "false", "0", "no": return .bool(false)
            default: throw DriftConfigurationError(parameter: name, reason: "'\(text)' is not true or false")
            }
        case .string:
            return .string(t)
        case .doubles:
            if t.isEmpty { return .doubles([]) }
            var out: [Double] = []
            for part in t.split(separator: ",") {
                guard let d = Double(String(part).trimmingWhitespace()), d.isFinite else {
                    throw DriftConfigurationError(parameter: name, reason: "'\(part)' is not a number")
                }
                out.append(d)
            }
            return .doubles(out)
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension Dictionary where Key == String, Value == DriftParameterValue {
    fileprivate func double(_ k: String) -> Double {
        switch self[k] {
        case .double(let d): d
        case .int(let i): Double(i)
        default: .nan
        }
    }
    fileprivate func int(_ k: String) -> Int {
        if case .int(let i) = self[k] { return Int(clamping: i) }
        return 0
    }
    fileprivate func bool(_ k: String) -> Bool {
        if case .bool(let b) = self[k] { return b }
        return false
    }
    fileprivate func string(_ k: String) -> String {
        if case .string(let s) = self[k] { return s }
        return ""
    }
    fileprivate func doubles(_ k: String) -> [Double] {
        if case .doubles(let d) = self[k] { return d }
        return []
    }
}
