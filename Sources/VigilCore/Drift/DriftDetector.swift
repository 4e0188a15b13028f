/// A streaming drift detector: feed it one value at a time and read its state after each update.
///
/// Every Vigil detector follows River 0.26.1's semantics exactly:
/// - `driftDetected` and `warningDetected` describe the *last* update;
/// - the update that follows a drift first resets the detector completely (as a freshly built one);
/// - binary detectors (DDM, EDDM, HDDM_A, HDDM_W) take `1` for an error and `0` for a correct prediction.
///
/// ```swift
/// var detector = try PageHinkley()
/// for (i, x) in stream.enumerated() {
///     detector.update(x)
///     if detector.driftDetected { print("drift at", i) }
/// }
/// ```
public protocol DriftDetector: Sendable {
    /// Adds one observation (after resetting first if the previous update detected a drift).
    mutating func update(_ x: Double)
    /// Whether the last update detected a drift.
    var driftDetected: Bool { get }
    /// Whether the last update is in the warning zone (always `false` for detectors without one).
    var warningDetected: Bool { get }
    /// Returns the detector to its freshly-configured state.
    mutating func reset()
}

extension DriftDetector {
    public var warningDetected: Bool { false }
}

/// A detector of a binary error stream (`true`/`1` = the model was wrong).
public protocol BinaryDriftDetector: DriftDetector {}

extension BinaryDriftDetector {
    /// Adds one outcome: `true` when the prediction was wrong.
    public mutating func update(error: Bool) { update(error ? 1 : 0) }
}

/// A detector configuration that cannot work (the parameter name and why).
public struct DriftConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var parameter: String
    public var reason: String
    public init(parameter: String, reason: String) {
        self.parameter = parameter
        self.reason = reason
    }
    public var description: String { "invalid parameter '\(parameter)': \(reason)" }
}
