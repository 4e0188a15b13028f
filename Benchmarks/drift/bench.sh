#!/usr/bin/env bash
# Drift benchmark: Vigil's streaming detectors and KS test vs River 0.26.1 and SciPy, same data, same run.
#
#   VENV=/path/to/venv-with-river-scipy Benchmarks/drift/bench.sh
#
# 1. writes 1,000,000-value streams (Gaussian with a mean shift; Bernoulli errors with a rate jump) as
#    float64 files and as text (one number per line) for `vigil detect`;
# All timings are CPU time (the benchmark machines are shared); medians of several runs.
# 2. times each detector in process (DriftBench.swift, swiftc -O -wmo with VigilCore's Drift + Statistics)
#    and River in process (river_bench.py), prints updates/s and the ratio;
# 3. times `vigil detect` end to end (release build; includes reading and parsing the text file);
# 4. times KS 1M x 1M in Swift and SciPy.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${VENV:-$ROOT/.venv-drift}
PY=$VENV/bin/python
OUT=${OUT:-$ROOT/bench-out/drift}
mkdir -p "$OUT"

"$PY" - "$OUT" <<'PYEOF'
import sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(42)
n = 1_000_000
gauss = np.concatenate([rng.normal(0, 1, n // 2), rng.normal(0.5, 1, n - n // 2)])
binary = np.concatenate([rng.random(n // 2) < 0.1, rng.random(n - n // 2) < 0.2]).astype(np.float64)
gauss.tofile(f"{out}/gauss.f64"); binary.tofile(f"{out}/binary.f64")
np.savetxt(f"{out}/gauss.txt", gauss, fmt="%.17g"); np.savetxt(f"{out}/binary.txt", binary, fmt="%d")
rng.normal(0, 1, n).tofile(f"{out}/ks_a.f64"); rng.normal(0.002, 1, n).tofile(f"{out}/ks_b.f64")
PYEOF

echo "== building (release)"
swiftc -O -wmo -parse-as-library -module-name DriftBench \
  "$ROOT"/Sources/VigilCore/Drift/*.swift "$ROOT"/Sources/VigilCore/Statistics/*.swift \
  "$ROOT"/Benchmarks/drift/DriftBench.swift -o "$OUT/DriftBench"
if [ -z "${VIGIL:-}" ]; then   # VIGIL=path/to/release/vigil skips the package build
  swift build -c release --package-path "$ROOT" --scratch-path "$ROOT/.build-drift-release" --product vigil >/dev/null
  VIGIL=$ROOT/.build-drift-release/release/vigil
fi

echo "== in process (median of runs)"
"$OUT/DriftBench" "$OUT" | tee "$OUT/swift.txt"
"$PY" "$ROOT/Benchmarks/drift/river_bench.py" "$OUT" | tee "$OUT/river.txt"

echo "== updates/s: detector  vigil  river  ratio"
awk '$1=="swift" && NF==5 {s[$2]=$5} $1=="river" {r[$2]=$5}
     END {for (k in s) if (k in r) printf "%-13s %12.0f %12.0f %8.1fx\n", k, s[k], r[k], s[k]/r[k]}' \
  "$OUT/swift.txt" "$OUT/river.txt" | sort
awk '$1=="swift" && $2=="ks_2samp" {s=$4} $1=="scipy" {p=$4} END {printf "ks_2samp 1Mx1M: vigil %.3f s, scipy %.3f s, ratio %.1fx\n", s, p, p/s}' \
  "$OUT/swift.txt" "$OUT/river.txt"

echo "== vigil detect end to end (1,000,000 text lines; user+system CPU seconds, max RSS kB)"
for d in adwin page_hinkley kswin ddm eddm hddm_a hddm_w; do
  case $d in ddm|eddm|hddm_a|hddm_w) f=$OUT/binary.txt ;; *) f=$OUT/gauss.txt ;; esac
  extra=(); [ "$d" = kswin ] && extra=(--param seed=42)
  /usr/bin/time -f "$d %U %S %M" "$VIGIL" detect "$d" "${extra[@]}" --input "$f" >"$OUT/detect-$d.json"
done 2>&1 | awk '{t=$2+$3; printf "%-13s %6.2f s  %9.0f updates/s  %s kB\n", $1, t, 1000000/t, $4}'
