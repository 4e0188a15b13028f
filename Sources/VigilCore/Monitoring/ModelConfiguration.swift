/// How the agent monitors one model (the `models:` entries of the YAML configuration).
///
/// ```yaml
/// models:
///   - { name: fraud-detector, profile: profiles/fraud.json, label_ttl: 7d, window: 1000, detectors: [adwin, ddm], drift: [psi, ks] }
/// ```
public struct ModelConfiguration: Sendable, Hashable, Codable {
    /// The `model` field of prediction and label events.
    public var name: String
    /// Path of the reference profile (`vigil profile build`); relative paths are resolved by the loader.
    public var profilePath: String?
    /// How long a prediction waits for its label (default 604800 s = 7 days).
    public var labelTTLSeconds: Int64
    /// Size of the count window of joined predictions that quality gauges describe (default 1000).
    public var window: Int
    /// Age limit of the time window (default 3600 s); `nil` turns the time window off.
    public var windowSeconds: Int64?
    /// Streaming detectors fed with the joined error stream of each variant (`adwin`, `ddm`, `eddm`, `hddm_a`,
    /// `hddm_w`, `page_hinkley`, `kswin`).
    public var detectors: [String]
    /// Batch drift methods run on feature windows against the profile (`psi`, `ks`, `js`, `wasserstein`, `chi2`).
    public var drift: [String]
    /// The positive class of a binary classifier (default `"1"`).
    public var positiveClass: String
    /// Score threshold for estimated quality (CBPE) and for predictions given only as a score (default 0.5).
    public var threshold: Double
    /// The task, when it should not be inferred from the profile or the events.
    public var task: ModelTask?
    /// How far windowed quality may fall below the profile's reference quality before it counts as decay (0.05).
    public var decayTolerance: Double
    /// At most this many values per segment field get their own quality slice (default 50); the rest share
    /// the slice `other`.
    public var maxSegmentValues: Int

    public init(name: String, profilePath: String? = nil, labelTTLSeconds: Int64 = 604_800, window: Int = 1000,
                windowSeconds: Int64? = 3600, detectors: [String] = [], drift: [String] = [],
                positiveClass: String = "1", threshold: Double = 0.5, task: ModelTask? = nil,
                decayTolerance: Double = 0.05, maxSegmentValues: Int = 50) {
        self.name = name
        self.profilePath = profilePath
        self.labelTTLSeconds = labelTTLSeconds
        self.window = window
        self.windowSeconds = windowSeconds
        self.detectors = detectors
        self.drift = drift
        self.positiveClass = positiveClass
        self.threshold = threshold
        self.task = task
        self.decayTolerance = decayTolerance
        self.maxSegmentValues = maxSegmentValues
    }
}
