#!/usr/bin/env python3
"""River 0.26.1 and SciPy timings on the same float64 files as DriftBench.swift.

Usage: python river_bench.py DATA_DIR
Prints: river DETECTOR N SECONDS UPDATES_PER_S  and  scipy ks_2samp NxM SECONDS p=P (medians of runs, process CPU time).
KSWIN (about 3,000 updates/s in River) runs on the first 5,000 values only; its rate is per update.
"""
import statistics
import sys
import time

import numpy as np
from river import drift
from scipy import stats

d = sys.argv[1] if len(sys.argv) > 1 else "."
gauss = np.fromfile(f"{d}/gauss.f64").tolist()
binary = [int(v) for v in np.fromfile(f"{d}/binary.f64")]

detectors = [
    ("adwin", drift.ADWIN, {}, gauss, 3),
    ("page_hinkley", drift.PageHinkley, {}, gauss, 3),
    ("kswin", drift.KSWIN, {"seed": 42}, gauss[:5000], 1),
    ("ddm", drift.binary.DDM, {}, binary, 3),
    ("eddm", drift.binary.EDDM, {}, binary, 3),
    ("hddm_a", drift.binary.HDDMA, {}, binary, 1),
    ("hddm_w", drift.binary.HDDMW, {}, binary, 1),
]
for name, factory, params, data, runs in detectors:
    times = []
    for _ in range(runs):
        det = factory(**params)
        update = det.update
        t0 = time.process_time()
        for x in data:
            update(x)
        times.append(time.process_time() - t0)
    s = statistics.median(times)
    print(f"river {name} {len(data)} {s} {len(data) / s}")

a = np.fromfile(f"{d}/ks_a.f64")
b = np.fromfile(f"{d}/ks_b.f64")
times = []
for _ in range(3):
    t0 = time.process_time()
    r = stats.ks_2samp(a, b, method="auto")
    times.append(time.process_time() - t0)
print(f"scipy ks_2samp {len(a)}x{len(b)} {statistics.median(times)} p={r.pvalue}")
