#!/usr/bin/env python3
"""Writes Tests/VigilCoreTests/Vectors/eval/quality.json: scikit-learn's figures for Vigil's quality metrics.

Also writes profile.json (NumPy quantile edges/histograms), cbpe.json (NannyML's CBPE formulas, re-stated here with
NumPy and scikit-learn's `auc`, since NannyML 0.13 pins older NumPy/scikit-learn) and fairness.json (fairlearn).

Pinned: Python 3.11, numpy==2.3.4, scikit-learn==1.7.2, scipy==1.17.1 (scikit-learn's dependency),
fairlearn==0.13.0, pandas==2.3.3.
    python3 -m venv .venv-eval
    .venv-eval/bin/pip install numpy==2.3.4 scikit-learn==1.7.2 fairlearn==0.13.0 pandas==2.3.3
    .venv-eval/bin/python Tests/VigilCoreTests/Vectors/scripts/make_eval_vectors.py

Expected calibration error is not in scikit-learn; it is computed here with NumPy using the binning Vigil documents
(10 equal-width bins of [0, 1], bin = min(floor(p * 10), 9)).
"""
import json
import os

import numpy as np
import sklearn
from sklearn import metrics

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "eval")
OUT = os.path.join(DIR, "quality.json")


def ece(y, p, bins=10):
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 0, 1)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(p) * abs(y[m].mean() - p[m].mean())
    return float(total)


def classification_expected(y_true, y_pred, labels):
    p, r, f, s = metrics.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    out = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "per_class": {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                      for i, lab in enumerate(labels)},
    }
    for avg in ("macro", "weighted"):
        pa, ra, fa, _ = metrics.precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=0)
        out[avg] = {"precision": float(pa), "recall": float(ra), "f1": float(fa)}
    return out


def binary_case(name, y_true, scores, threshold=0.5):
    y_true = [str(int(v)) for v in y_true]
    scores = [float(s) for s in scores]
    y_pred = ["1" if s >= threshold else "0" for s in scores]
    labels = sorted(set(y_true) | set(y_pred))
    exp = classification_expected(y_true, y_pred, labels)
    exp["binary"] = {
        "precision": metrics.precision_score(y_true, y_pred, pos_label="1", zero_division=0),
        "recall": metrics.recall_score(y_true, y_pred, pos_label="1", zero_division=0),
        "f1": metrics.f1_score(y_true, y_pred, pos_label="1", zero_division=0),
    }
    yb = [v == "1" for v in y_true]
    exp["roc_auc"] = metrics.roc_auc_score(yb, scores)
    exp["log_loss"] = metrics.log_loss(yb, scores, labels=[False, True])
    exp["brier"] = metrics.brier_score_loss(yb, scores)
    exp["ece"] = ece(yb, scores)
    return {"name": name, "kind": "binary", "actual": y_true, "predicted": y_pred, "scores": scores,
            "expected": {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in exp.items()}}


def multiclass_case(name, rng, n, classes, noise):
    k = len(classes)
    truth = rng.integers(0, k, size=n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), truth] += noise
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pred = probs.argmax(axis=1)
    y_true = [classes[i] for i in truth]
    y_pred = [classes[i] for i in pred]
    labels = sorted(set(y_true) | set(y_pred))
    exp = classification_expected(y_true, y_pred, labels)
    exp["log_loss"] = float(metrics.log_loss(y_true, probs, labels=classes))
    exp["roc_auc_ovr_macro"] = float(metrics.roc_auc_score(truth, probs, multi_class="ovr", average="macro"))
    return {"name": name, "kind": "multiclass", "classes": classes, "actual": y_true, "predicted": y_pred,
            "actual_index": [int(t) for t in truth], "probabilities": probs.tolist(), "expected": exp}


def regression_case(name, y_true, y_pred):
    y_true = [float(v) for v in y_true]
    y_pred = [float(v) for v in y_pred]
    return {"name": name, "kind": "regression", "actual": y_true, "predicted": y_pred, "expected": {
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "rmse": float(metrics.root_mean_squared_error(y_true, y_pred)),
        "mape": float(metrics.mean_absolute_percentage_error(y_true, y_pred)),
        "r2": float(metrics.r2_score(y_true, y_pred)),
    }}


def main():
    rng = np.random.default_rng(20261129)
    cases = []
    # A reasonable classifier: scores correlated with the truth.
    y = rng.integers(0, 2, size=300)
    s = np.clip(0.35 * y + rng.uniform(0, 0.65, size=300), 0, 1)
    cases.append(binary_case("binary_informative", y, s))
    # Many tied scores (one decimal): exercises tie handling in ROC AUC.
    y = rng.integers(0, 2, size=250)
    s = np.round(np.clip(0.2 * y + rng.uniform(0, 0.8, size=250), 0, 1), 1)
    cases.append(binary_case("binary_ties", y, s))
    # Scores of exactly 0 and 1, some confidently wrong: exercises log-loss clipping.
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1])
    s = np.array([0.0, 1.0, 0.0, 1.0, 0.9, 0.1, 0.5, 0.5, 0.99999, 1e-20, 0.7, 0.3])
    cases.append(binary_case("binary_extremes", y, s))
    # Imbalanced, with a threshold nothing reaches: precision of the positive class is 0 by zero_division.
    y = (rng.uniform(size=200) < 0.1).astype(int)
    s = rng.uniform(0, 0.45, size=200)
    cases.append(binary_case("binary_never_positive", y, s))
    cases.append(multiclass_case("multiclass_3", rng, 300, ["cat", "dog", "eel"], 1.5))
    cases.append(multiclass_case("multiclass_5_weak", rng, 400, ["a", "b", "c", "d", "e"], 0.5))
    yt = rng.normal(50, 10, size=300)
    cases.append(regression_case("regression_gaussian", yt, yt + rng.normal(0, 3, size=300)))
    yt = rng.normal(0, 1, size=100)
    yt[::10] = 0.0
    cases.append(regression_case("regression_zero_targets", yt, yt + rng.normal(0, 0.5, size=100)))
    cases.append(regression_case("regression_constant_target", [3.0] * 20, list(rng.normal(3, 1, size=20))))
    cases.append(regression_case("regression_perfect_constant", [2.5] * 10, [2.5] * 10))
    cases.append(regression_case("regression_large_offset", 1e6 + rng.normal(0, 1, size=200),
                                 1e6 + rng.normal(0, 1, size=200)))
    doc = {"generator": "make_eval_vectors.py", "numpy": np.__version__, "sklearn": sklearn.__version__,
           "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")



def write(name, doc):
    with open(os.path.join(DIR, name), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def profile_vectors(rng):
    cases = []
    for name, values, bins in [
        ("gaussian", rng.normal(10, 2, size=500), 10),
        ("skewed", rng.exponential(3, size=333), 10),
        ("few_distinct", rng.integers(0, 4, size=200).astype(float), 10),
        ("small", np.array([5.0, 1.0, 3.0]), 4),
    ]:
        edges = np.quantile(values, np.linspace(0, 1, bins + 1))
        edges = np.array([e for i, e in enumerate(edges) if i == 0 or e != edges[i - 1]])
        counts, _ = np.histogram(values, bins=edges)
        cases.append({"name": name, "values": values.tolist(), "bins": bins, "edges": edges.tolist(),
                      "counts": counts.tolist(), "mean": float(values.mean()), "std": float(values.std(ddof=1)),
                      "min": float(values.min()), "max": float(values.max())})
    return {"numpy": np.__version__, "cases": cases}


def cbpe_estimate(scores, threshold):
    """NannyML 0.13 CBPE for binary classification (metrics.py: estimate_f1, estimate_roc_auc, ...)."""
    p = np.asarray(scores, dtype=float)
    y_pred = (p >= threshold).astype(int)
    tp = np.sum(np.where(y_pred == 1, p, 0))
    fp = np.sum(np.where(y_pred == 1, 1 - p, 0))
    fn = np.sum(np.where(y_pred == 0, p, 0))
    tn = np.sum(np.where(y_pred == 0, 1 - p, 0))
    order = np.argsort(p)[::-1]
    sp = p[order]
    tps = np.cumsum(sp)
    fps = 1 + np.arange(len(sp)) - tps
    tps = np.round(np.r_[0, tps], 5)
    fps = np.round(np.r_[0, fps], 5)
    roc = metrics.auc(fps / fps[-1], tps / tps[-1])
    return {"accuracy": float((tp + tn) / len(p)), "precision": float(tp / (tp + fp)), "recall": float(tp / (tp + fn)),
            "f1": float(tp / (tp + 0.5 * (fp + fn))), "roc_auc": float(roc),
            "tp": float(tp), "fp": float(fp), "tn": float(tn), "fn": float(fn)}


def cbpe_vectors(rng):
    cases = []
    for name, scores, threshold in [
        ("uniform", rng.uniform(size=400), 0.5),
        ("beta_confident", rng.beta(0.5, 0.5, size=300), 0.5),
        ("ties_threshold_0_3", np.round(rng.uniform(size=200), 1), 0.3),
    ]:
        cases.append({"name": name, "scores": scores.tolist(), "threshold": threshold,
                      "expected": cbpe_estimate(scores, threshold)})
    return {"reference": "NannyML 0.13 CBPE formulas", "sklearn": sklearn.__version__, "cases": cases}


def fairness_vectors(rng):
    import fairlearn
    from fairlearn.metrics import demographic_parity_difference, equal_opportunity_difference
    cases = []
    for name, n, groups in [("two_groups", 300, ["f", "m"]), ("four_groups", 500, ["a", "b", "c", "d"])]:
        seg = rng.choice(groups, size=n)
        bias = np.array([groups.index(g) * 0.08 for g in seg])
        y = (rng.uniform(size=n) < 0.4).astype(int)
        pred = (rng.uniform(size=n) < 0.3 + 0.4 * y + bias).astype(int)
        cases.append({"name": name, "segments": seg.tolist(), "actual": [str(v) for v in y],
                      "predicted": [str(v) for v in pred], "expected": {
                          "demographic_parity_difference": float(demographic_parity_difference(y, pred, sensitive_features=seg)),
                          "equal_opportunity_difference": float(equal_opportunity_difference(y, pred, sensitive_features=seg)),
                      }})
    return {"fairlearn": fairlearn.__version__, "cases": cases}


if __name__ == "__main__":
    main()
    rng = np.random.default_rng(7)
    write("profile.json", profile_vectors(rng))
    write("cbpe.json", cbpe_vectors(rng))
    write("fairness.json", fairness_vectors(rng))
