#!/usr/bin/env bash
# `vigil evaluate` vs Evidently 0.7.23's data-drift report, same data, same script.
#
#   VIGIL=path/to/release/vigil EVIDENTLY_PYTHON=path/to/python Benchmarks/evaluate/run.sh
#
# 1. writes reference/current CSVs of 100,000 rows x 20 columns (12 numeric, 4 categorical, label,
#    prediction, score, segment; the current side has shifted means on num0/3/6/9 and a changed cat0)
#    with python3's standard library only, into a temporary directory;
# 2. runs `vigil evaluate ... --format json` and Evidently's DataDriftPreset (evidently_drift.py: pandas
#    CSV reading + report + JSON, i.e. end to end like vigil) RUNS times each, alternating, under
#    /usr/bin/time;
# 3. prints a markdown table of medians (wall, user+sys CPU, peak RSS) and the ratio Evidently / Vigil.
#
# VIGIL defaults to .build/release/vigil (built with `swift build -c release` when missing).
# EVIDENTLY_PYTHON defaults to .venv-evidently/bin/python, a venv made with
#   python3 -m venv .venv-evidently && .venv-evidently/bin/pip install 'evidently==0.7.23' 'pandas<3'
# (pandas 3 breaks Evidently 0.7.23's import).
# Note the work differs: vigil computes drift on the 17 features (all methods; segment is a feature here)
# plus realised/estimated quality; Evidently computes drift on all 20 columns, one method per column.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/Benchmarks/evaluate
RUNS=${RUNS:-3}
ROWS=${ROWS:-100000}
VIGIL=${VIGIL:-$ROOT/.build/release/vigil}
EVIDENTLY_PYTHON=${EVIDENTLY_PYTHON:-$ROOT/.venv-evidently/bin/python}

if [ ! -x "$VIGIL" ]; then
  echo "== building vigil (release)" >&2
  swift build -c release --package-path "$ROOT" --product vigil >/dev/null
  VIGIL=$ROOT/.build/release/vigil
fi
if [ ! -x "$EVIDENTLY_PYTHON" ]; then
  echo "no python at $EVIDENTLY_PYTHON; see the header of this script for the venv" >&2
  exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== generating $ROWS rows x 20 columns into $TMP" >&2
python3 - "$TMP" "$ROWS" <<'PYEOF'
import math, random, sys
out, n = sys.argv[1], int(sys.argv[2])
def write(path, n, drift, seed):
    rng = random.Random(seed)
    cols = [f"num{i}" for i in range(12)] + [f"cat{i}" for i in range(4)] + ["label", "prediction", "score", "segment"]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for _ in range(n):
            nums = [round(rng.gauss(i + (0.3 if drift and i % 3 == 0 else 0), 1 + i / 10), 5) for i in range(12)]
            cats = [rng.choice(["a", "b", "c", "d", "e"] if not (drift and i == 0) else ["a", "a", "b", "f"]) for i in range(4)]
            s = 1 / (1 + math.exp(-rng.gauss(0, 2)))
            label = 1 if rng.random() < s else 0
            f.write(",".join(map(str, nums)) + "," + ",".join(cats) + f",{label},{1 if s >= 0.5 else 0},{s:.5f},{rng.choice(['f','m'])}\n")
write(f"{out}/ref.csv", n, False, 1)
write(f"{out}/cur.csv", n, True, 2)
PYEOF

TIMEFMT="%e %U %S %M"
for i in $(seq 1 "$RUNS"); do
  echo "== run $i/$RUNS: vigil" >&2
  /usr/bin/time -f "$TIMEFMT" -o "$TMP/vigil.time.$i" \
    "$VIGIL" evaluate --reference "$TMP/ref.csv" --current "$TMP/cur.csv" \
    --label-column label --prediction-column prediction --score-column score \
    --format json --output "$TMP/vigil.json" --no-progress
  echo "== run $i/$RUNS: evidently" >&2
  /usr/bin/time -f "$TIMEFMT" -o "$TMP/evidently.time.$i" \
    "$EVIDENTLY_PYTHON" "$HERE/evidently_drift.py" "$TMP/ref.csv" "$TMP/cur.csv" "$TMP/evidently.json" \
    > "$TMP/evidently.out.$i"
done

python3 - "$TMP" "$RUNS" "$ROWS" <<'PYEOF'
import json, statistics, sys
tmp, runs, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def times(name):
    wall, cpu, rss = [], [], []
    for i in range(1, runs + 1):
        e, u, s, m = open(f"{tmp}/{name}.time.{i}").read().split()[-4:]
        wall.append(float(e)); cpu.append(float(u) + float(s)); rss.append(int(m) / 1024)
    return statistics.median(wall), statistics.median(cpu), statistics.median(rss), wall
v = times("vigil"); e = times("evidently")
inner = [dict(kv.split("=") for kv in open(f"{tmp}/evidently.out.{i}").read().split()) for i in range(1, runs + 1)]
med = lambda k: statistics.median(float(d[k]) for d in inner)
print(f"`vigil evaluate` vs Evidently 0.7.23 DataDriftPreset, {rows:,} + {rows:,} rows x 20 columns, median of {runs}\n")
print("| | wall s | CPU s (user+sys) | peak RSS MB |")
print("| --- | ---: | ---: | ---: |")
print(f"| vigil evaluate | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.0f} |")
print(f"| Evidently (python process) | {e[0]:.2f} | {e[1]:.2f} | {e[2]:.0f} |")
print(f"| ratio Evidently / Vigil | {e[0]/v[0]:.1f}x | {e[1]/v[1]:.1f}x | {e[2]/v[2]:.1f}x |")
print(f"\nEvidently inside the process (medians): read CSVs + report + JSON {med('total_s'):.2f} s, "
      f"report.run only {med('report_s'):.2f} s, imports {med('import_s'):.2f} s")
print(f"wall per run: vigil {v[3]}, evidently {e[3]}")
vd = json.load(open(f"{tmp}/vigil.json"))["drift"]
ed = json.load(open(f"{tmp}/evidently.json"))["metrics"][0]["value"]
print(f"drifted: vigil {vd['drifted']} of {vd['features']} features {vd['drifted_features']}; "
      f"Evidently {int(ed['count'])} of 20 columns")
PYEOF
