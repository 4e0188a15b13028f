#!/usr/bin/env python3
"""Generate the drift-detector and drift-statistics test vectors for Vigil.

Pinned reference versions (the script refuses to run with others, so the vectors stay reproducible):
    river==0.26.1  scipy==1.17.1  numpy==2.4.6   (CPython 3.11)

Usage:
    python3 -m venv .venv && .venv/bin/pip install river==0.26.1 scipy==1.17.1 numpy==2.4.6
    .venv/bin/python Tests/VigilCoreTests/Vectors/scripts/make_drift_vectors.py

Writes Tests/VigilCoreTests/Vectors/drift/detectors.json and Tests/VigilCoreTests/Vectors/stats/*.json.
Stream values are rounded to 6 decimals *before* they are fed to River, so the JSON text holds the exact
values River saw (decimal -> binary64 parsing is correctly rounded on both sides).
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import river
import scipy
from river import drift
from scipy import stats
from scipy.spatial import distance

PINNED = {"river": "0.26.1", "scipy": "1.17.1", "numpy": "2.4.6"}
for name, module in (("river", river), ("scipy", scipy), ("numpy", np)):
    if module.__version__ != PINNED[name]:
        sys.exit(f"{name} {module.__version__} found, {PINNED[name]} required")

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.dirname(HERE)


def r6(values):
    return [round(float(v), 6) for v in values]


def make_streams():
    rng = np.random.default_rng(20261129)
    s = {}
    s["gauss_mean_shift"] = r6(np.concatenate([
        rng.normal(0, 1, 1000), rng.normal(1.0, 1, 1000), rng.normal(-0.5, 1, 1000)]))
    s["gauss_variance_shift"] = r6(np.concatenate([rng.normal(0, 1, 1500), rng.normal(0, 3, 1500)]))
    s["gauss_no_change"] = r6(rng.normal(5, 2, 3000))
    s["gauss_long_steps"] = r6(np.concatenate([rng.normal(m, 0.5, 2500) for m in (0.0, 0.3, 0.3, -0.2)]))
    s["bernoulli_jump"] = [int(v) for v in np.concatenate([
        rng.random(1500) < 0.1, rng.random(1500) < 0.35, rng.random(1000) < 0.05])]
    s["bernoulli_no_change"] = [int(v) for v in rng.random(3000) < 0.2]
    s["bernoulli_gradual"] = [int(v) for v in rng.random(4000) < np.linspace(0.05, 0.6, 4000)]
    return s


# (detector name in Vigil, River factory, params as recorded, applies to binary streams only)
CONFIGS = [
    ("adwin", {}, False),
    ("adwin", {"delta": 0.01, "clock": 1, "max_buckets": 3, "min_window_length": 10, "grace_period": 50}, False),
    ("adwin", {"delta": 0.1, "clock": 7, "max_buckets": 5, "min_window_length": 3, "grace_period": 5}, False),
    ("page_hinkley", {}, False),
    ("page_hinkley", {"min_instances": 50, "delta": 0.01, "threshold": 20.0, "alpha": 0.999, "mode": "up"}, False),
    ("page_hinkley", {"min_instances": 10, "delta": 0.001, "threshold": 10.0, "alpha": 1.0, "mode": "down"}, False),
    ("kswin", {"seed": 42}, False),
    ("kswin", {"alpha": 0.01, "window_size": 200, "stat_size": 50, "seed": 7}, False),
    ("kswin", {"alpha": 0.05, "window_size": 40, "stat_size": 8, "seed": 123456789012}, False),
    ("ddm", {}, True),
    ("ddm", {"warm_start": 50, "warning_threshold": 1.5, "drift_threshold": 2.5}, True),
    ("eddm", {}, True),
    ("eddm", {"warm_start": 20, "alpha": 0.9, "beta": 0.8}, True),
    ("hddm_a", {}, True),
    ("hddm_a", {"drift_confidence": 0.01, "warning_confidence": 0.05, "two_sided_test": True}, True),
    ("hddm_w", {}, True),
    ("hddm_w", {"drift_confidence": 0.01, "warning_confidence": 0.05, "lambda_val": 0.1, "two_sided_test": True}, True),
]

FACTORIES = {
    "adwin": drift.ADWIN,
    "page_hinkley": drift.PageHinkley,
    "kswin": drift.KSWIN,
    "ddm": drift.binary.DDM,
    "eddm": drift.binary.EDDM,
    "hddm_a": drift.binary.HDDMA,
    "hddm_w": drift.binary.HDDMW,
}


def run_detector(name, params, values):
    det = FACTORIES[name](**params)
    warnings, drifts = [], []
    for i, x in enumerate(values):
        det.update(x)
        if getattr(det, "warning_detected", False):
            warnings.append(i)
        if det.drift_detected:
            drifts.append(i)
    return warnings, drifts


def detector_vectors():
    streams = make_streams()
    cases = []
    for stream_name, values in streams.items():
        binary = stream_name.startswith("bernoulli")
        for name, params, binary_only in CONFIGS:
            if binary_only and not binary:
                continue
            warnings, drifts = run_detector(name, params, values)
            cases.append({"stream": stream_name, "detector": name, "params": params,
                          "warnings": warnings, "drifts": drifts})
    # KSWIN with a warm-start window (River only uses it before the first reset).
    warm = streams["gauss_mean_shift"][:100]
    det = drift.KSWIN(seed=5, window=warm)
    w, d = [], []
    for i, x in enumerate(streams["gauss_mean_shift"][100:]):
        det.update(x)
        if det.drift_detected:
            d.append(i)
    cases.append({"stream": "gauss_mean_shift", "skip": 100, "warm_window": 100, "detector": "kswin",
                  "params": {"seed": 5}, "warnings": w, "drifts": d})
    # Python random.Random(seed).sample(range(n), k) positions, to test the generator on its own.
    import random
    samples = []
    for seed, n, k, rounds in ((42, 70, 30, 3), (0, 5, 5, 2), (2**40 + 17, 1000, 7, 2), (7, 150, 50, 2), (1, 32, 4, 2)):
        rnd = random.Random(seed)
        samples.append({"seed": seed, "n": n, "k": k, "draws": [rnd.sample(range(n), k) for _ in range(rounds)]})
    rnd = random.Random(12345)
    getrandbits = {"seed": 12345, "bits": [1, 5, 31, 32, 33, 64], "values": [rnd.getrandbits(b) for b in [1, 5, 31, 32, 33, 64]]}
    return {"versions": PINNED, "streams": streams, "cases": cases, "python_random": samples,
            "getrandbits": getrandbits}


def rel(x):
    return float(x)


def ks_vectors():
    rng = np.random.default_rng(7)
    cases = []

    def add(label, a, b):
        res = stats.ks_2samp(a, b, method="auto")
        cases.append({"label": label, "a": [float(v) for v in a], "b": [float(v) for v in b],
                      "statistic": float(res.statistic), "pvalue": float(res.pvalue)})

    for n, m in ((30, 30), (10, 10), (1, 1), (5, 8), (50, 35), (100, 100), (200, 150), (37, 1), (400, 999)):
        a = r6(rng.normal(0, 1, n))
        b = r6(rng.normal(0.3, 1.2, m))
        add(f"normal_{n}_{m}", a, b)
    add("identical", [1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    add("disjoint", [1.0, 2.0, 3.0, 4.0], [10.0, 11.0, 12.0])
    add("ties_small", [float(v) for v in rng.integers(0, 5, 40)], [float(v) for v in rng.integers(0, 6, 60)])
    add("ties_equal_n", [float(v) for v in rng.integers(0, 3, 25)], [float(v) for v in rng.integers(1, 4, 25)])
    add("exact_large_equal", r6(rng.normal(0, 1, 3000)), r6(rng.normal(0.05, 1, 3000)))
    add("exact_unequal", r6(rng.normal(0, 1, 2000)), r6(rng.normal(0.1, 1, 3000)))
    # Asymptotic branch: max(n1, n2) > 10000. Values with 3 decimals keep the file small; ties included.
    add("asymp_shift", [round(float(v), 3) for v in rng.normal(0, 1, 12000)],
        [round(float(v), 3) for v in rng.normal(0.04, 1, 11000)])
    add("asymp_same", [round(float(v), 3) for v in rng.normal(0, 1, 10001)],
        [round(float(v), 3) for v in rng.normal(0, 1, 300)])
    add("asymp_far", [round(float(v), 2) for v in rng.normal(0, 1, 10500)],
        [round(float(v), 2) for v in rng.normal(1, 1, 400)])
    # The two-sided one-sample Kolmogorov distribution (kstwo.sf) behind the asymptotic branch.
    kstwo = []
    for n in (1, 2, 5, 30, 100, 140, 141, 1000, 5000, 20000, 100000, 100001, 500000):
        for d in (1e-7, 0.0004, 0.001, 0.003, 0.007, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3,
                  0.45, 0.5, 0.6, 0.8, 0.95, 0.999):
            kstwo.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n))})
    return {"versions": PINNED, "cases": cases, "kstwo_sf": kstwo}


def other_stats_vectors():
    rng = np.random.default_rng(11)
    wass = []
    for n, m, weighted in ((10, 12, False), (100, 80, False), (1, 1, False), (50, 50, True), (7, 30, True)):
        u = r6(rng.normal(0, 1, n))
        v = r6(rng.normal(0.5, 2, m))
        uw = r6(rng.random(n) + 0.1) if weighted else None
        vw = r6(rng.random(m) + 0.1) if weighted else None
        wass.append({"u": u, "v": v, "u_weights": uw, "v_weights": vw,
                     "distance": float(stats.wasserstein_distance(u, v, uw, vw))})
    wass.append({"u": [0.0, 1.0, 3.0], "v": [5.0, 6.0, 8.0], "u_weights": None, "v_weights": None,
                 "distance": float(stats.wasserstein_distance([0, 1, 3], [5, 6, 8]))})
    wass.append({"u": [3.4, 3.9, 7.5, 7.8], "v": [4.5, 1.4], "u_weights": [1.4, 0.9, 3.1, 7.2],
                 "v_weights": [3.2, 3.5],
                 "distance": float(stats.wasserstein_distance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4],
                                                              [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]))})
    js = []
    for p, q in (([1.0, 0.0], [0.5, 0.5]), ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]), ([0.1, 0.2, 0.7], [0.1, 0.2, 0.7]),
                 ([3, 5, 2, 0], [1, 1, 4, 4]), (list(map(float, rng.random(10))), list(map(float, rng.random(10))))):
        js.append({"p": [float(x) for x in p], "q": [float(x) for x in q],
                   "distance_e": float(distance.jensenshannon(p, q)),
                   "distance_2": float(distance.jensenshannon(p, q, base=2))})
    chi = []
    tables = [
        [[10, 20], [30, 40]],
        [[12, 5], [3, 9]],
        [[1, 1], [1, 1]],
        [[100, 150, 80], [120, 130, 95]],
        [[5, 0, 7], [2, 9, 1], [4, 4, 4]],
        [[1000, 10], [990, 25]],
        [[18, 2], [17, 3]],
        [[3, 40, 5, 12, 9], [8, 35, 2, 14, 10]],
    ]
    for t in tables:
        for correction in (True, False):
            res = stats.chi2_contingency(t, correction=correction)
            chi.append({"table": t, "correction": correction, "statistic": float(res.statistic),
                        "pvalue": float(res.pvalue), "dof": int(res.dof)})
    gammaincc = []
    from scipy import special
    for a in (0.5, 1.0, 1.5, 2.0, 3.5, 10.0, 50.0, 200.0, 1000.5):
        for x in (0.01, 0.5, 1.0, 2.5, 7.0, 15.0, 60.0, 250.0, 1100.0):
            gammaincc.append({"a": a, "x": x, "q": float(special.gammaincc(a, x))})
    psi = []
    for n, m, shift, bins in ((500, 400, 0.0, 10), (1000, 800, 0.5, 10), (300, 300, 0.2, 5), (50, 2000, 1.5, 10)):
        ref = r6(rng.normal(0, 1, n))
        cur = r6(rng.normal(shift, 1.3, m))
        psi.append({"reference": ref, "current": cur, "bins": bins, "psi": psi_reference_bins(ref, cur, bins)})
    ties = [float(v) for v in rng.integers(0, 4, 200)]
    cur_ties = [float(v) for v in rng.integers(0, 6, 150)]
    psi.append({"reference": ties, "current": cur_ties, "bins": 10, "psi": psi_reference_bins(ties, cur_ties, 10)})
    return {"versions": PINNED, "wasserstein": wass, "jensenshannon": js, "chi2_contingency": chi,
            "gammaincc": gammaincc, "psi": psi}


def psi_reference_bins(ref, cur, bins, eps=0.0001):
    """PSI on reference quantile bins: NumPy linear quantiles, repeated edges merged, bin i = [e_i, e_i+1),
    values outside the reference range in the outer bins, empty-bin proportion replaced by eps."""
    edges = []
    for q in np.quantile(np.asarray(ref), np.arange(bins + 1) / bins):
        if not edges or edges[-1] != q:
            edges.append(float(q))
    if len(edges) == 1:
        edges.append(edges[0])
    interior = np.asarray(edges[1:-1])
    k = len(edges) - 1
    rc = np.bincount(np.searchsorted(interior, ref, side="right"), minlength=k) / len(ref)
    cc = np.bincount(np.searchsorted(interior, cur, side="right"), minlength=k) / len(cur)
    rc = np.where(rc == 0, eps, rc)
    cc = np.where(cc == 0, eps, cc)
    return float(np.sum((rc - cc) * np.log(rc / cc)))


def dump(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    dump(os.path.join(VECTORS, "drift", "detectors.json"), detector_vectors())
    dump(os.path.join(VECTORS, "stats", "ks_2samp.json"), ks_vectors())
    dump(os.path.join(VECTORS, "stats", "statistics.json"), other_stats_vectors())
    for sub in ("drift", "stats"):
        for name in sorted(os.listdir(os.path.join(VECTORS, sub))):
            print(sub, name, os.path.getsize(os.path.join(VECTORS, sub, name)))
