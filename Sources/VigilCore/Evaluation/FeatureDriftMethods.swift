/// The drift tests `vigil evaluate` runs by default, built on `VigilCore/Statistics`, with the thresholds of
/// ``DriftThresholds`` (Evidently's defaults).
///
/// | method | features | drift when |
/// | --- | --- | --- |
/// | `ks` — two-sample Kolmogorov–Smirnov (SciPy `ks_2samp`, `method="auto"`) | numeric | p < 0.05 |
/// | `chi2` — chi-square test of the 2 × k contingency table (SciPy `chi2_contingency`) | categorical | p < 0.05 |
/// | `psi` — population stability index, 10 reference quantile bins / categories | both | PSI ≥ 0.2 |
/// | `wasserstein` — Wasserstein-1 distance / reference standard deviation | numeric | ≥ 0.1 |
/// | `jensenshannon` — Jensen–Shannon distance (natural log) of category frequencies | categorical | ≥ 0.1 |
///
/// `wasserstein` also reports the raw Wasserstein-1 distance (``DriftMeasurement/wassersteinDistance``, SciPy's
/// `wasserstein_distance`); when the reference standard deviation is 0 its statistic is that plain distance,
/// named `wasserstein_distance` instead of `normalized_wasserstein_distance`.
public enum FeatureDriftMethods {
    public static let ks = FeatureDriftMethod(
        name: "ks", rule: .pValueBelow(DriftThresholds.ksAlpha), statisticName: "ks_statistic",
        numeric: { ref, cur in
            let r = ref.withUnsafeBufferPointer { a in
                cur.withUnsafeBufferPointer { b in KolmogorovSmirnov.twoSample(sorted: a, sorted: b) }
            }
            return DriftMeasurement(statistic: r.statistic, pValue: r.pValue)
        })

    public static let chiSquare = FeatureDriftMethod(
        name: "chi2", rule: .pValueBelow(DriftThresholds.chiSquareAlpha), statisticName: "chi2_statistic",
        categorical: { ref, cur in
            let r = ChiSquare.test(referenceCounts: ref, currentCounts: cur)
            return DriftMeasurement(statistic: r.statistic, pValue: r.pValue)
        })

    public static let psi = FeatureDriftMethod(
        name: "psi", rule: .statisticAtLeast(DriftThresholds.psi), statisticName: "population_stability_index",
        numeric: { ref, cur in
            DriftMeasurement(statistic: PopulationStabilityIndex.index(reference: ref, current: cur, bins: 10))
        },
        categorical: { ref, cur in
            DriftMeasurement(statistic: PopulationStabilityIndex.index(referenceCounts: ref, currentCounts: cur))
        })

    public static let wasserstein = FeatureDriftMethod(
        name: "wasserstein", rule: .statisticAtLeast(DriftThresholds.wassersteinNormalized),
        statisticName: "normalized_wasserstein_distance",
        numeric: { ref, cur in
            let distance = Wasserstein.distance(ref, cur)
            let first = ref[0]
            if ref.allSatisfy({ $0 == first }) {
                return DriftMeasurement(statistic: distance, statisticName: "wasserstein_distance", wassersteinDistance: distance)
            }
            return DriftMeasurement(statistic: distance / Wasserstein.populationStandardDeviation(ref),
                                    wassersteinDistance: distance)
        })

    public static let jensenShannon = FeatureDriftMethod(
        name: "jensenshannon", rule: .statisticAtLeast(DriftThresholds.jensenShannon), statisticName: "jensen_shannon_distance",
        categorical: { ref, cur in
            DriftMeasurement(statistic: JensenShannon.distance(referenceCounts: ref, currentCounts: cur))
        })

    /// The methods run when none are named: all of them.
    public static var standard: [FeatureDriftMethod] { [ks, chiSquare, psi, wasserstein, jensenShannon] }

    /// Looks a method up by name or alias (`ks`, `chi2`/`chisquare`, `psi`, `wasserstein`/`wd`,
    /// `jensenshannon`/`js`); `nil` when unknown.
    public static func named(_ name: String) -> FeatureDriftMethod? {
        switch name.lowercased().filter({ $0 != "_" && $0 != "-" }) {
        case "ks", "kolmogorovsmirnov": ks
        case "chi2", "chisquare": chiSquare
        case "psi": psi
        case "wasserstein", "wd": wasserstein
        case "jensenshannon", "js": jensenShannon
        default: nil
        }
    }
}
