#!/usr/bin/env bash
# Every benchmark of Benchmarks/, by name, with modest defaults: a quick check that each still builds and
# runs, not the published figures (docs/benchmarks.md gives each script's full-size command).
#
#   Benchmarks/run-all.sh              # list the benchmarks, what each compares and what it needs
#   Benchmarks/run-all.sh all          # run every one whose prerequisites are installed, skip (and say) the rest
#   Benchmarks/run-all.sh ingest gzip  # run the named ones
#
# Release builds; loopback only; each benchmark is bounded by its small size. Result files of these runs go to
# bench-out/run-all/ (gitignored), never over the published ones in Benchmarks/<name>/results/. The standard
# log generator is found at ../shared/bench/gen_logs.py from the repository root (SHARED to change).
# Benchmarks/postgres/pg.sh is not a benchmark: both PostgreSQL benchmarks source it to start their private server.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=${OUT:-$ROOT/bench-out/run-all}
export SHARED=${SHARED:-$ROOT/../shared}

PEERS=""   # the shipping peers installed here
command -v rsyslogd >/dev/null 2>&1 && PEERS+=" rsyslog"
command -v syslog-ng >/dev/null 2>&1 && PEERS+=" syslog-ng"

# name | command with modest defaults | what it compares | what it needs (commands or files), space-separated
BENCHMARKS=(
  "metrics|Benchmarks/run-metrics.sh --series 10000|metric registry render and registration vs swift-prometheus|"
  "scrape|RESULTS_DIR=$OUT/scrape Benchmarks/scrape/run.sh 10000 5|the scrape Prometheus makes vs prometheus-pushgateway|prometheus-pushgateway"
  "ingest|VIGIL_GEN_LOGS=$SHARED/bench/gen_logs.py Benchmarks/ingest/run.sh 100000|file → parse → redact → metrics vs Python json.loads|python3 $SHARED/bench/gen_logs.py"
  "shipping|LINES=100000 RUNS=1 RESULTS_DIR=$OUT/shipping ONLY=\"vigil-agent vigil-drain$PEERS\" Benchmarks/shipping/run.sh|tail → spool → _bulk vs rsyslog and syslog-ng (each peer when installed)|python3 $SHARED/bench/gen_logs.py"
  "logstore|LINES=100000 RUNS=1 STORE_REPEAT=1 SEARCH_RUNS=5 RESULTS_DIR=$OUT/logstore Benchmarks/logstore/run.sh|embedded log store vs the Elasticsearch path|python3 $SHARED/bench/gen_logs.py"
  "gzip|LINES=20000 OUT=$OUT/gzip Benchmarks/gzip/run.sh|zlib vs ISA-L on bulk bodies|gcc python3 $SHARED/bench/gen_logs.py"
  "monitor|Benchmarks/monitor/run.sh 20000 2|model monitor input parsing, core scanner vs JSONSerialization|"
  "drift|OUT=$OUT/drift Benchmarks/drift/bench.sh|drift detectors and KS vs River and SciPy|${VENV:-$ROOT/.venv-drift}/bin/python"
  "evaluate|RUNS=1 ROWS=10000 Benchmarks/evaluate/run.sh|vigil evaluate vs Evidently|${EVIDENTLY_PYTHON:-$ROOT/.venv-evidently/bin/python}"
  "postgres|Benchmarks/postgres/run.sh 10 100 4|the shared label join through PostgreSQL vs pgbench running the same statements|pgbench runuser"
  "postgres-agent|Benchmarks/postgres/agent.sh 20000 1|the label join end to end through one agent: local (SQLite) vs storage.shared (PostgreSQL)|runuser"
  "remotewrite|Benchmarks/remotewrite/run.sh 2000 5|remote write to a Prometheus receiver vs Prometheus in agent mode remote-writing the same series|prometheus"
  "otlp|LINES=20000 ROUNDS=1 RESULTS_DIR=$OUT/otlp Benchmarks/otlp/run.sh|OTLP/HTTP protobuf logs vs NDJSON into the same agent|python3 $SHARED/bench/gen_logs.py curl"
  "rollouts|Benchmarks/rollouts/run.sh|vigil simulate vs a fixed-threshold policy (rewrites Benchmarks/rollouts/results)|"
  "controller|Benchmarks/controller/run.sh 20 5 10 20|vigil controller: time and CPU per evaluation round over a fleet's series in Prometheus, with Prometheus' own query time|prometheus python3 curl runuser"
)

field() { local IFS='|'; read -r -a parts <<< "$1"; echo "${parts[$2]:-}"; }

missing() {   # the prerequisites of a benchmark that are not there
  local need out=""
  for need in $(field "$1" 3); do
    if [[ $need == */* ]]; then [[ -e $need ]] || out+=" $need"
    else command -v "$need" >/dev/null 2>&1 || out+=" $need"; fi
  done
  echo "${out# }"
}

if [[ $# -eq 0 ]]; then
  printf '%-9s %-70s %s\n' benchmark "compares" "missing here"
  for b in "${BENCHMARKS[@]}"; do printf '%-9s %-70s %s\n' "$(field "$b" 0)" "$(field "$b" 2)" "$(missing "$b")"; done
  echo
  echo "Run: Benchmarks/run-all.sh all | NAME... (modest sizes; full-size commands in docs/benchmarks.md)"
  exit 0
fi

wanted=("$@")
if [[ ${wanted[0]} == all ]]; then
  wanted=()
  # rollouts rewrites its committed results: only when named.
  for b in "${BENCHMARKS[@]}"; do [[ $(field "$b" 0) == rollouts ]] || wanted+=("$(field "$b" 0)"); done
fi

mkdir -p "$OUT"
failed=() skipped=()
for name in "${wanted[@]}"; do
  entry=""
  for b in "${BENCHMARKS[@]}"; do [[ $(field "$b" 0) == "$name" ]] && entry=$b; done
  if [[ -z $entry ]]; then echo "unknown benchmark: $name (run without arguments for the list)" >&2; exit 2; fi
  lacking=$(missing "$entry")
  if [[ -n $lacking ]]; then
    echo "== $name: skipped, missing: $lacking"
    skipped+=("$name")
    continue
  fi
  echo "== $name: $(field "$entry" 1)"
  if ! (eval "$(field "$entry" 1)") 2>&1 | tee "$OUT/$name.log"; then failed+=("$name"); fi
done
echo "== done; logs in $OUT${skipped:+; skipped: ${skipped[*]}}${failed:+; FAILED: ${failed[*]}}"
[[ ${#failed[@]} -eq 0 ]]
