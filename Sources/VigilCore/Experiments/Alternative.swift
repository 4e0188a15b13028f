/// Which difference δ = treatment − control a test looks for. The null hypothesis is δ = 0 for `twoSided`,
/// δ ≤ 0 for `greater` and δ ≥ 0 for `less`.
///
/// Guardrails are one-sided: "the challenger's error rate is *greater*" is `greater`; "its accuracy is *less*"
/// is `less`. The raw values are SciPy's and statsmodels' spellings ("two-sided", "greater", "less").
public enum Alternative: String, Sendable, Hashable, CaseIterable {
    case twoSided = "two-sided"
    case greater
    case less
}
