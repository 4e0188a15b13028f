#!/usr/bin/env python3
"""Writes reference.csv and current.csv: a small loan-default model's inputs and outputs (standard library only).

The current data drifted: incomes rose, more users are on mobile, a new country appears, and the model's scores
are less informative (its quality fell). Deterministic: `python3 make_dataset.py` rewrites the same files.
"""
import csv
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def rows(rng, n, drifted):
    out = []
    for _ in range(n):
        gender = rng.choice(["f", "m"])
        age = round(rng.gauss(41, 11))
        income = round(rng.lognormvariate(10.6 + (0.25 if drifted else 0), 0.35), 2)
        tenure = rng.randint(0, 120)
        countries = ["DE", "FR", "IT", "ES", "PL"] + (["NL"] if drifted else [])
        weights = [30, 25, 20, 15, 10] + ([15] if drifted else [])
        country = rng.choices(countries, weights)[0]
        device = rng.choices(["mobile", "desktop, windows", "desktop, mac", "tablet"],
                             [60, 20, 10, 10] if drifted else [35, 35, 15, 15])[0]
        risk = -0.8 + 0.06 * (45 - age) - 2.5 * (math.log(income) - 10.6) - 0.02 * (tenure - 60)
        p_true = 1 / (1 + math.exp(-risk))
        label = 1 if rng.random() < p_true else 0
        noise = rng.gauss(0, 1.6 if drifted else 0.3)
        score = 1 / (1 + math.exp(-(risk + noise + (0.8 if drifted and gender == "f" else 0))))
        score = round(score, 4)
        row = {"age": age, "income": income, "tenure_months": tenure, "country": country, "device": device,
               "gender": gender, "label": label, "prediction": 1 if score >= 0.5 else 0, "score": score}
        if rng.random() < 0.03:
            row["income"] = ""
        out.append(row)
    return out


def write(name, data):
    with open(os.path.join(HERE, name), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(data)


if __name__ == "__main__":
    rng = random.Random(20261129)
    write("reference.csv", rows(rng, 400, False))
    write("current.csv", rows(rng, 300, True))
