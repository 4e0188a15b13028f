#!/usr/bin/env bash
# Ingestion benchmark: 1,000,000 generated inference log lines, file -> parse -> classify -> redact -> metrics.
# Prints lines/s and CPU-seconds per million lines for Vigil's EventPipeline (release build) and, on the same
# file in the same run, Python's json.loads. Usage: Benchmarks/ingest/run.sh [LINES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lines="${1:-1000000}"
data="${VIGIL_BENCH_DATA:-$here/.build/data}"
mkdir -p "$data"
file="$data/logs-$lines.ndjson"
# The shared generator lives beside the repository: ../shared from the repository root.
gen="${VIGIL_GEN_LOGS:-$here/../../../shared/bench/gen_logs.py}"
if [ ! -f "$file" ]; then
  python3 "$gen" --lines "$lines" --seed 42 --out "$file"
fi
swift build -c release --package-path "$here" --scratch-path "$here/.build" >&2
bin="$here/.build/release/IngestBench"
cat "$file" > /dev/null   # warm the page cache so every run reads from memory
for i in 1 2 3; do "$bin" "$file"; done
"$bin" "$file" --no-redact --no-metrics
python3 - "$file" <<'PY'
import json, resource, sys, time
path = sys.argv[1]
r0 = resource.getrusage(resource.RUSAGE_SELF); w0 = time.monotonic(); n = 0
with open(path, "rb") as f:
    for line in f:
        json.loads(line)
        n += 1
w = time.monotonic() - w0; r1 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print(f"python {sys.version.split()[0]} json.loads (parse only): lines={n}")
print(f"  wall={w:.3f}s cpu={cpu:.3f}s lines/s={n / w:.0f} cpu_s_per_million={cpu * 1e6 / n:.3f}")
PY
