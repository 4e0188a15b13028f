/// Vigil's default decision thresholds for the batch drift statistics (Evidently's defaults):
///
/// | method | drift when | default |
/// | --- | --- | --- |
/// | two-sample Kolmogorov–Smirnov | p-value < α | α = 0.05 |
/// | chi-square (contingency, categorical) | p-value < α | α = 0.05 |
/// | PSI (reference quantile bins) | PSI ≥ t | t = 0.2 (0.1–0.2 is "moderate") |
/// | Jensen–Shannon distance (base e) | distance ≥ t | t = 0.1 |
/// | Wasserstein-1 / reference standard deviation | normalised distance ≥ t | t = 0.1 |
///
/// Evidently picks KS/chi-square for at most 1,000 reference values and the distances above that, since
/// p-values of large samples flag negligible shifts.
public enum DriftThresholds {
    public static let ksAlpha = 0.05
    public static let chiSquareAlpha = 0.05
    public static let psi = 0.2
    public static let jensenShannon = 0.1
    public static let wassersteinNormalized = 0.1
}
