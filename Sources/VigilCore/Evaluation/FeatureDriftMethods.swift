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
/// When the reference standard deviation is 0, `wasserstein` reports the plain distance.
public enum FeatureDriftMethods {
    public static let ks = FeatureDriftMethod(
        name: "ks", rule: .pValueBelow(DriftThresholds.ksAlpha),
        numeric: { ref, cur in
            let r = ref.withUnsafeBufferPointer { a in
                cur.withUnsafeBufferPointer { b in KolmogorovSmirnov.twoSample(sorted: a, sorted: b) }
            }
            return DriftMeasurement(statistic: r.statistic, pValue: r.pValue)
        })

    public static let chiSquare = FeatureDriftMethod(
        name: "chi2", rule: .pValueBelow(DriftThresholds.chiSquareAlpha),
        categorical: { ref, cur in
            let r = ChiSquare.test(referenceCounts: ref, currentCounts: cur)
            return DriftMeasurement(statistic: r.statistic, pValue: r.pValue)
        })

    public static let psi = FeatureDriftMethod(
        name: "psi", rule: .statisticAtLeast(DriftThresholds.psi),
        numeric: { ref, cur in
            DriftMeasurement(statistic: PopulationStabilityIndex.index(reference: ref, current: cur, bins: 10))
        },
        categorical: { ref, cur in
            DriftMeasurement(statistic: PopulationStabilityIndex.index(referenceCounts: ref, currentCounts: cur))
        })

    public static let wasserstein = FeatureDriftMethod(
        name: "wasserstein", rule: .statisticAtLeast(DriftThresholds.wassersteinNormalized),
        numeric: { ref, cur in
            let first = ref[0]
            if ref.allSatisfy({ $0 == first }) {
                return DriftMeasurement(statistic: Wasserstein.distance(ref, cur))
            }
            return DriftMeasurement(statistic: Wasserstein.normalized(reference: ref, current: cur))
        })

    public static let jensenShannon = FeatureDriftMethod(
        name: "jensenshannon", rule: .statisticAtLeast(DriftThresholds.jensenShannon),
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
