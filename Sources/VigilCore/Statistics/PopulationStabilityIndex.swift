/// Population Stability Index: Σᵢ (rᵢ − cᵢ) · ln(rᵢ / cᵢ) over bins, where rᵢ and cᵢ are the reference and
/// current proportions. An empty bin's proportion is replaced by ``emptyBinProportion`` (0.0001, as
/// Evidently does), so the index stays finite. Default threshold: PSI ≥ 0.2 is drift
/// (``DriftThresholds/psi``).
///
/// Numeric features are binned on the *reference* quantiles (default 10 bins, NumPy's linear quantiles,
/// repeated edges merged; bin i is [eᵢ, eᵢ₊₁), values outside the reference range go to the outer bins) —
/// the same bins a ``ReferenceProfile`` records.
///
/// ```swift
/// PopulationStabilityIndex.index(referenceCounts: [50, 50], currentCounts: [30, 70])  // ≈ 0.1695
/// ```
///
/// Reference: B. Yurdakul, "Statistical properties of population stability index", Western Michigan
/// University, 2018.
public enum PopulationStabilityIndex {
    /// Proportion used in place of 0 for an empty bin.
    public static let emptyBinProportion = 0.0001

    /// PSI from counts over the same bins (same length, each side with a positive total).
    public static func index(referenceCounts: [Int], currentCounts: [Int]) -> Double {
        precondition(referenceCounts.count == currentCounts.count, "PSI needs the same bins on both sides")
        let rt = Double(referenceCounts.reduce(0, +)), ct = Double(currentCounts.reduce(0, +))
        precondition(rt > 0 && ct > 0, "PSI needs non-empty samples")
        return index(referenceProportions: referenceCounts.map { Double($0) / rt },
                     currentProportions: currentCounts.map { Double($0) / ct })
    }

    /// PSI from proportions over the same bins.
    public static func index(referenceProportions: [Double], currentProportions: [Double]) -> Double {
        precondition(referenceProportions.count == currentProportions.count, "PSI needs the same bins on both sides")
        var total = 0.0
        for i in referenceProportions.indices {
            let r = referenceProportions[i] == 0 ? emptyBinProportion : referenceProportions[i]
            let c = currentProportions[i] == 0 ? emptyBinProportion : currentProportions[i]
            total += (r - c) * cLog(r / c)
        }
        return total
    }

    /// PSI of two numeric samples on `bins` reference quantile bins.
    public static func index(reference: [Double], current: [Double], bins: Int = 10) -> Double {
        let edges = quantileEdges(reference, bins: bins)
        return index(referenceCounts: counts(reference, edges: edges), currentCounts: counts(current, edges: edges))
    }

    /// The `bins + 1` reference quantiles at 0, 1/bins, …, 1 (linear interpolation), repeated edges merged.
    public static func quantileEdges(_ reference: [Double], bins: Int = 10) -> [Double] {
        precondition(bins >= 1 && !reference.isEmpty, "quantile bins need data")
        var sorted = reference
        Sorting.sort(&sorted)
        var edges: [Double] = []
        for i in 0...bins {
            let q = Quantile.linear(sorted: sorted, Double(i) / Double(bins))
            if edges.last != q { edges.append(q) }
        }
        if edges.count == 1 { edges.append(edges[0]) }
        return edges
    }

    /// Counts of `values` in the bins defined by `edges` (see the type's documentation).
    public static func counts(_ values: [Double], edges: [Double]) -> [Int] {
        var counts = [Int](repeating: 0, count: max(edges.count - 1, 1))
        for x in values where !x.isNaN {
            var lo = 1, hi = edges.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if edges[mid] <= x { lo = mid + 1 } else { hi = mid }
            }
            counts[lo - 1] += 1
        }
        return counts
    }
}

/// NumPy's default (`linear`, Hyndman–Fan type 7) quantile.
enum Quantile {
    static func linear(sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(cFloor(position))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        // NumPy's _lerp: a + (b − a)·t, mirrored for t ≥ 0.5 to stay monotone.
        let a = sorted[lower], b = sorted[upper]
        let diff = b - a
        return fraction >= 0.5 ? b - diff * (1 - fraction) : a + diff * fraction
    }
}
