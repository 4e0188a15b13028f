#!/usr/bin/env bash
# The shipper alone, two or more builds in one run: each run loads the standard file into a fresh spool
# (`vigil es import-spool`, not timed) and ships it with `vigil es drain` (timed, CPU from /usr/bin/time),
# alternating the builds, against one loopback vigil-es-mock. Prints medians and ratios to the first build.
#
#   BINS="/path/old/release /path/new/release" DATA=logs-1000000.jsonl RUNS=5 Benchmarks/shipping/drain-compare.sh
set -euo pipefail
BINS=${BINS:?space-separated release directories holding vigil and vigil-es-mock}
DATA=${DATA:?the standard log file (shared/bench/gen_logs.py)}
RUNS=${RUNS:-5}
GZIP=${GZIP:-0}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
read -r FIRST _ <<<"$BINS"
"$FIRST/vigil-es-mock" --port 0 --port-file "$OUT/mock.port" --threads 2 --no-store-bodies >"$OUT/mock.log" 2>&1 &
MOCK_PID=$!
trap 'kill $MOCK_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/mock.port ]] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$OUT/mock.port")
: >"$OUT/results.tsv"
for run in $(seq "$RUNS"); do
  for bin in $BINS; do
    dir=$OUT/run; rm -rf "$dir"; mkdir -p "$dir"
    "$bin/vigil" es import-spool --data-dir "$dir/data" "$DATA" >/dev/null
    curl -s -X POST "$URL/_mock/reset" >/dev/null
    /usr/bin/time -v -o "$dir/time.txt" "$bin/vigil" es drain --data-dir "$dir/data" --url "$URL" --gzip-level "$GZIP" --max-in-flight 2 >"$dir/summary.json" 2>"$dir/stderr.log"
    python3 - "$bin" "$dir/summary.json" "$dir/time.txt" >>"$OUT/results.tsv" <<'PY'
import json, re, sys
bin, summary, timing = sys.argv[1:]
s = json.load(open(summary)); t = open(timing).read()
cpu = float(re.search(r"User time.*: ([\d.]+)", t).group(1)) + float(re.search(r"System time.*: ([\d.]+)", t).group(1))
print(f"{bin}\t{s['events_per_second']:.0f}\t{cpu * 1e6 / s['events']:.3f}\t{s['dead_lettered']:.0f}")
PY
    tail -1 "$OUT/results.tsv" >&2
  done
done
python3 - "$OUT/results.tsv" "$BINS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    b, eps, cpu, dl = line.split("\t"); rows.setdefault(b, []).append((float(eps), float(cpu)))
bins = sys.argv[2].split()
base = bins[0]
med = lambda b, i: statistics.median(r[i] for r in rows[b])
for b in bins:
    print(f"{b}: runs {len(rows[b])}, events/s {med(b,0):.0f} (x{med(b,0)/med(base,0):.3f}), CPU s/1M {med(b,1):.3f} (x{med(b,1)/med(base,1):.3f})")
PY
