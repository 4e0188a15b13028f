#!/usr/bin/env python3
"""Generate the experiment-statistics test vectors for Vigil (Sources/VigilCore/Experiments).

Pinned reference versions (the script refuses to run with others, so the vectors stay reproducible):
    scipy==1.17.1  statsmodels==0.15.0  numpy==2.4.6  mpmath==1.4.1   (CPython 3.11)

Usage (from the repository root):
    python3 -m venv .venv-stats
    .venv-stats/bin/pip install scipy==1.17.1 statsmodels==0.15.0 numpy==2.4.6 mpmath==1.4.1
    .venv-stats/bin/python Tests/VigilCoreTests/Vectors/experiments/make_vectors.py

Writes Tests/VigilCoreTests/Vectors/experiments/experiments.json with:
  srm           scipy.stats.chisquare(counts, f_exp = N * w / sum(w))
  normal, t     scipy.stats.norm / scipy.stats.t (sf, ppf) — the distributions the tests rest on
  two_prop_z    statsmodels proportions_ztest (pooled) + the Wald interval (confint_proportions_2indep
                method="wald" two-sided; norm.ppf(1 - alpha) one-sided)
  welch         scipy.stats.ttest_ind(treatment, control, equal_var=False, alternative) and
                .confidence_interval(1 - alpha); the raw samples are in the file (rounded to 6 decimals
                before SciPy sees them, so the JSON holds exactly what SciPy used)
  msprt         the mixture SPRT computed here with mpmath (60 digits) from the published closed forms:
                p = min(1, 1/Lambda), Lambda = sqrt(V/(V+tau2)) exp(tau2 d^2 / (2V(V+tau2))) (Johari et al.
                2017 eq. 11) for two-sided; Howard et al. 2021's one-sided normal-mixture boundary for one-sided;
                default tau2 = rho^2 N V with GrowthBook's rho^2 = (-2 ln a + ln(1 - 2 ln a)) / N*
  lift          relative lift with the delta-method interval (mpmath)
  sample_size   statsmodels samplesize_proportions_2indep_onetail
"""
from __future__ import annotations

import json
import math
import os
import sys

import mpmath
import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import (confint_proportions_2indep, proportions_ztest,
                                          samplesize_proportions_2indep_onetail)

PINNED = {"scipy": "1.17.1", "statsmodels": "0.15.0", "numpy": "2.4.6", "mpmath": "1.4.1"}
for name, module in (("scipy", scipy), ("statsmodels", statsmodels), ("numpy", np), ("mpmath", mpmath)):
    if module.__version__ != PINNED[name]:
        sys.exit(f"{name} {module.__version__} found, {PINNED[name]} required")

mpmath.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))
SM_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


def f(x) -> float:
    return float(x)


def finite_or_none(x):
    x = float(x)
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------- SRM
def make_srm():
    cases = []
    for counts, weights in [
        ([5100, 4900], [0.5, 0.5]),
        ([5000, 5000], [1, 1]),
        ([10321, 9679], [50, 50]),
        ([951, 49], [95, 5]),
        ([900, 100], [0.95, 0.05]),
        ([9000, 1000], [0.9, 0.1]),
        ([8500, 1500], [0.9, 0.1]),
        ([3, 7], [0.5, 0.5]),
        ([1, 0], [0.5, 0.5]),
        ([100, 120, 80], [1, 1, 1]),
        ([2500, 2500, 5000], [0.25, 0.25, 0.5]),
        ([49500, 50500], [0.5, 0.5]),
        ([47000, 53000], [0.5, 0.5]),
        ([750, 250], [0.75, 0.25]),
        ([700, 300], [0.75, 0.25]),
    ]:
        n = sum(counts)
        w = np.array(weights, dtype=float)
        expected = n * w / w.sum()
        r = stats.chisquare(np.array(counts, dtype=float), expected)
        cases.append({"counts": counts, "weights": [float(x) for x in weights],
                      "statistic": f(r.statistic), "pvalue": f(r.pvalue)})
    return cases


# ---------------------------------------------------------------------------------------- distributions
def make_normal():
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-6, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.5,
          0.55, 0.6, 0.75, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.999999]
    xs = [-38, -20, -8.5, -5, -3, -1.96, -1, -0.5, 0, 0.25, 1, 1.6448536269514722, 2.5, 4, 6, 10, 30]
    return {"ppf": [{"p": p, "x": f(stats.norm.ppf(p))} for p in ps],
            "sf": [{"x": float(x), "sf": f(stats.norm.sf(x)), "cdf": f(stats.norm.cdf(x))} for x in xs]}


def make_t():
    dfs = [1, 1.5, 2, 3, 4.7, 10, 29.3, 100, 1234.5, 1e5]
    xs = [-4, -1, -0.1, 0.3, 1, 2, 2.5, 5, 12, 40]
    ps = [0.0005, 0.005, 0.025, 0.05, 0.1, 0.4, 0.6, 0.9, 0.95, 0.975, 0.995]
    sf = [{"x": float(x), "df": float(d), "sf": f(stats.t.sf(x, d))} for d in dfs for x in xs]
    ppf = [{"p": p, "df": float(d), "x": f(stats.t.ppf(p, d))} for d in dfs for p in ps]
    return {"sf": sf, "ppf": ppf}


# ---------------------------------------------------------------------------------------- two proportions
def make_two_prop():
    cases = []
    for xc, nc, xt, nt in [(900, 1000, 850, 1000), (98, 10000, 231, 10000), (10, 1000, 20, 1000),
                           (45, 500, 52, 480), (1, 200, 4, 210), (500, 1000, 520, 1000),
                           (2400, 3000, 2450, 3100), (30, 40, 22, 38), (0, 100, 3, 100), (123, 4567, 98, 4321)]:
        for alternative in ("two-sided", "greater", "less"):
            for alpha in (0.05, 0.01):
                z, p = proportions_ztest([xt, xc], [nt, nc], value=0, alternative=SM_ALTERNATIVE[alternative],
                                         prop_var=False)
                pt, pc = xt / nt, xc / nc
                diff = pt - pc
                se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
                if alternative == "two-sided":
                    lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=alpha)
                elif alternative == "greater":
                    lo, hi = diff - stats.norm.ppf(1 - alpha) * se, math.inf
                else:
                    lo, hi = -math.inf, diff + stats.norm.ppf(1 - alpha) * se
                cases.append({"control": [xc, nc], "treatment": [xt, nt], "alternative": alternative,
                              "alpha": alpha, "difference": f(diff), "pvalue": f(p),
                              "lower": finite_or_none(lo), "upper": finite_or_none(hi)})
    return cases


# ---------------------------------------------------------------------------------------------- Welch
def make_welch():
    rng = np.random.default_rng(20261206)
    samples = [
        (rng.normal(100, 15, 40), rng.normal(108, 25, 35)),
        (rng.normal(0.2, 0.05, 200), rng.normal(0.21, 0.06, 180)),
        (rng.lognormal(4, 0.5, 60), rng.lognormal(4.1, 0.6, 55)),
        (rng.normal(5, 1, 5), rng.normal(5, 3, 7)),
        (rng.normal(0, 1, 2), rng.normal(1, 1, 3)),
        (rng.exponential(120, 150), rng.exponential(120, 150)),
        (rng.normal(10, 2, 1000), rng.normal(10.1, 2, 1000)),
    ]
    cases = []
    stored = []
    for index, (control, treatment) in enumerate(samples):
        control = [round(float(v), 6) for v in control]
        treatment = [round(float(v), 6) for v in treatment]
        stored.append({"control": control, "treatment": treatment})
        for alternative in ("two-sided", "greater", "less"):
            for alpha in (0.05, 0.1):
                r = stats.ttest_ind(treatment, control, equal_var=False, alternative=alternative)
                ci = r.confidence_interval(confidence_level=1 - alpha)
                cases.append({"sample": index, "alternative": alternative,
                              "alpha": alpha, "difference": f(np.mean(treatment) - np.mean(control)),
                              "pvalue": f(r.pvalue), "df": f(r.df),
                              "lower": finite_or_none(ci.low), "upper": finite_or_none(ci.high),
                              "control_mean": f(np.mean(control)), "control_variance": f(np.var(control, ddof=1)),
                              "treatment_mean": f(np.mean(treatment)),
                              "treatment_variance": f(np.var(treatment, ddof=1))})
    return {"samples": stored, "cases": cases}


# ---------------------------------------------------------------------------------------------- mSPRT
def msprt(c, t, alpha, alternative, tau2, tuning, null=0):
    """The always-valid p-value and confidence sequence at one look, in 60-digit arithmetic; the p-value tests
    delta = null (the interval does not depend on it)."""
    mp = mpmath.mpf
    nc, mc, vc = c
    nt, mt, vt = t
    estimate = mp(mt) - mp(mc)
    d = estimate - mp(null)
    V = mp(vt) / nt + mp(vc) / nc
    alpha = mp(alpha)
    if tau2 is None:
        a = alpha if alternative == "two-sided" else min(2 * alpha, mp("0.5"))
        rho2 = (-2 * mpmath.log(a) + mpmath.log(1 - 2 * mpmath.log(a))) / mp(tuning)
        tau2 = rho2 * (nc + nt) * V
    tau2 = mp(tau2)
    if alternative == "two-sided":
        # Johari et al. 2017, eq. (11): the normal-mixture likelihood ratio.
        lam = mpmath.sqrt(V / (V + tau2)) * mpmath.exp(tau2 * d * d / (2 * V * (V + tau2)))
        p = min(mp(1), 1 / lam)
        # The confidence sequence: the d0 whose Lambda(d - d0) stays below 1/alpha.
        half = mpmath.sqrt((V * (V + tau2) / tau2) * (mpmath.log((V + tau2) / V) - 2 * mpmath.log(alpha)))
        return p, estimate - half, estimate + half
    # Howard et al. 2021, eq. (14), one-sided normal mixture with the intrinsic time v = 1/V, rho = 1/tau2:
    # S_t >= sqrt(2 (v + rho) log( sqrt((v + rho)/rho) / (2 alpha) + 1 )) in units of S_t = d / V.
    v = 1 / V
    rho = 1 / tau2
    boundary = mpmath.sqrt(2 * (v + rho) * mpmath.log(mpmath.sqrt((v + rho) / rho) / (2 * alpha) + 1))
    half = boundary * V
    s = d / V if alternative == "greater" else -d / V
    # p: the alpha at which s reaches the boundary, solved from s^2 = 2(v+rho) log(sqrt((v+rho)/rho)/(2a) + 1).
    if s <= 0:
        p = mp(1)
    else:
        p = min(mp(1), mpmath.sqrt((v + rho) / rho) / (2 * (mpmath.exp(s * s / (2 * (v + rho))) - 1)))
    if alternative == "greater":
        return p, estimate - half, mpmath.inf
    return p, -mpmath.inf, estimate + half


def make_msprt():
    arms = [
        # (control (n, mean, var), treatment (n, mean, var)): proportions as p, p(1 - p)
        ("errors 0.98% vs 2.31%", (10000, 98, None), (10000, 231, None)),
        ("errors 1% vs 1.2%", (3000, 30, None), (3100, 37, None)),
        ("accuracy 0.90 vs 0.85", (800, 720, None), (790, 672, None)),
        ("accuracy equal", (5000, 4500, None), (5000, 4500, None)),
        ("small", (20, 2, None), (25, 9, None)),
        ("latency means", (1500, 120.5, 900.0), (1450, 124.25, 1100.0)),
        ("latency large", (250000, 120.5, 900.0), (240000, 120.9, 1000.0)),
        ("regression error", (60, 0.31, 0.02), (55, 0.27, 0.03)),
        ("huge effect", (5000, 0.0, 1.0), (5000, 3.0, 1.0)),
    ]
    def summary(arm):
        n, m, v = arm
        if v is None:   # successes out of n
            p = mpmath.mpf(m) / n
            return ("proportion", [n, m], (n, p, p * (1 - p)))
        return ("mean", [n, m, v], (n, mpmath.mpf(m), mpmath.mpf(v)))

    cases = []
    for label, c, t in arms:
        kind, craw, cs = summary(c)
        _, traw, ts = summary(t)
        for alternative in ("two-sided", "greater", "less"):
            for alpha, tau2, tuning in ((0.05, None, 5000), (0.01, None, 5000), (0.05, None, 20000),
                                        (0.05, 1e-4, None), (0.1, 2.5, None)):
                p, lo, hi = msprt(cs, ts, alpha, alternative, tau2, tuning)
                cases.append({"label": label, "kind": kind, "control": craw, "treatment": traw,
                              "alternative": alternative, "alpha": alpha, "mixing_variance": tau2,
                              "tuning_sample_size": tuning, "null_difference": 0.0, "difference": f(ts[1] - cs[1]),
                              "pvalue": f(p), "lower": finite_or_none(lo), "upper": finite_or_none(hi)})
    # Non-inferiority margins: delta0 = +0.5 points on error rates, -2 points on accuracy, +2 ms on latency.
    for label, null in (("errors 0.98% vs 2.31%", 0.005), ("errors 1% vs 1.2%", 0.005),
                        ("accuracy 0.90 vs 0.85", -0.02), ("accuracy equal", -0.02), ("latency means", 2.0)):
        _, c, t = next(a for a in arms if a[0] == label)
        kind, craw, cs = summary(c)
        _, traw, ts = summary(t)
        for alternative in ("two-sided", "greater", "less"):
            for alpha, tau2, tuning in ((0.05, None, 5000), (0.05, None, 2000), (0.05, 1e-4, None)):
                p, lo, hi = msprt(cs, ts, alpha, alternative, tau2, tuning, null)
                cases.append({"label": label, "kind": kind, "control": craw, "treatment": traw,
                              "alternative": alternative, "alpha": alpha, "mixing_variance": tau2,
                              "tuning_sample_size": tuning, "null_difference": null, "difference": f(ts[1] - cs[1]),
                              "pvalue": f(p), "lower": finite_or_none(lo), "upper": finite_or_none(hi)})
    return cases


# ---------------------------------------------------------------------------------------------- lift
def make_lift():
    cases = []
    for kind, c, t in [("proportion", [1000, 800], [1000, 880]), ("proportion", [10000, 98], [10000, 231]),
                       ("proportion", [500, 450], [480, 410]), ("mean", [1500, 120.5, 900.0], [1450, 124.25, 1100.0]),
                       ("mean", [40, -2.5, 4.0], [38, -2.0, 5.0]), ("mean", [12, 0.3, 0.01], [9, 0.36, 0.02])]:
        for alpha in (0.05, 0.1):
            def s(arm):
                if kind == "proportion":
                    p = mpmath.mpf(arm[1]) / arm[0]
                    return arm[0], p, p * (1 - p)
                return arm[0], mpmath.mpf(arm[1]), mpmath.mpf(arm[2])
            nc, mc, vc = s(c)
            nt, mt, vt = s(t)
            est = mt / mc - 1
            var = (vt / nt) / mc ** 2 + mt ** 2 * (vc / nc) / mc ** 4
            half = mpmath.mpf(stats.norm.ppf(1 - alpha / 2)) * mpmath.sqrt(var)
            cases.append({"kind": kind, "control": c, "treatment": t, "alpha": alpha, "estimate": f(est),
                          "lower": f(est - half), "upper": f(est + half)})
    return cases


def make_sample_size():
    cases = []
    for pc, pt in [(0.01, 0.02), (0.90, 0.85), (0.80, 0.88), (0.05, 0.055), (0.5, 0.52), (0.3, 0.2)]:
        for alternative in ("two-sided", "greater"):
            for alpha, power in ((0.05, 0.8), (0.01, 0.9)):
                n = samplesize_proportions_2indep_onetail(pt - pc, pc, power, ratio=1, alpha=alpha,
                                                          alternative=SM_ALTERNATIVE[alternative])
                cases.append({"control": pc, "treatment": pt, "alternative": alternative, "alpha": alpha,
                              "power": power, "n": f(n)})
    return cases


def main():
    out = {"versions": PINNED, "srm": make_srm(), "normal": make_normal(), "t": make_t(),
           "two_prop_z": make_two_prop(), "welch": make_welch(), "msprt": make_msprt(), "lift": make_lift(),
           "sample_size": make_sample_size()}
    path = os.path.join(HERE, "experiments.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1, allow_nan=False)
        fh.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{k} {len(v)}" for k, v in out.items() if isinstance(v, (list, dict))))


if __name__ == "__main__":
    main()
