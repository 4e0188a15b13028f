"""Evidently 0.7.23 data-drift report on the benchmark data (the counterpart of `vigil evaluate`).

    python evidently_drift.py reference.csv current.csv out.json

Prints one line: `total_s=<read CSVs + report + JSON> report_s=<report.run only>`. Evidently infers the
column types itself and runs DataDriftPreset on every column (its defaults: KS/chi2 up to 1,000 rows,
Wasserstein/Jensen-Shannon above).
"""
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402
from evidently import Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

ref_path, cur_path, out_path = sys.argv[1:4]
t_start = time.perf_counter()
ref = pd.read_csv(ref_path)
cur = pd.read_csv(cur_path)
report = Report([DataDriftPreset()])
t_report = time.perf_counter()
snapshot = report.run(current_data=cur, reference_data=ref)
report_s = time.perf_counter() - t_report
snapshot.save_json(out_path)
total_s = time.perf_counter() - t_start
print(f"total_s={total_s:.3f} report_s={report_s:.3f} import_s={t_start - t0:.3f}")
