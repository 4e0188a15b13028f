#!/usr/bin/env bash
# OTLP/HTTP logs vs NDJSON into the same agent, in the same run (release build, loopback).
#
#   Benchmarks/otlp/run.sh                  # 100k lines, 3 rounds of each format, batches of 500
#   LINES=300000 ROUNDS=5 BATCH=1000 Benchmarks/otlp/run.sh
#
# One `vigil agent` (embedded log store, sources http + otlp) receives the standard log file
# (../shared/bench/gen_logs.py, LINES lines, seed 42) alternately as NDJSON batches (POST /v1/logs, API port)
# and as OTLP protobuf ExportLogsServiceRequest batches of the same lines (POST /v1/logs, OTLP port), from
# Benchmarks/otlp/load.py, which encodes every payload before timing. Per phase: logs/s until the store has
# committed every event, and the agent's CPU seconds per 100k logs (utime+stime of /proc/PID/stat over the
# phase). Results: Benchmarks/otlp/results/<date>-<commit>.txt (medians) with the raw phases.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/Benchmarks/otlp
SHARED=${SHARED:-$ROOT/../shared}
LINES=${LINES:-100000}
ROUNDS=${ROUNDS:-3}
BATCH=${BATCH:-500}
CONNECTIONS=${CONNECTIONS:-2}
OUT=${OUT:-$ROOT/bench-out/otlp}
SCRATCH=${SCRATCH:-$ROOT/.build}
RESULTS_DIR=${RESULTS_DIR:-$HERE/results}
VENV=${VENV:-$ROOT/.venv-otlp}
STAMP=$(date -u +%Y-%m-%d)-$(git -C "$ROOT" rev-parse --short HEAD)

mkdir -p "$OUT" "$RESULTS_DIR"
BIN=${BIN:-$SCRATCH/release}
[[ -n "${SKIP_BUILD:-}" ]] || swift build -c release --scratch-path "$SCRATCH" --product vigil >&2
if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import opentelemetry.proto' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp-proto-http==1.45.2
fi

DATA=$OUT/logs-$LINES.jsonl
[[ -s $DATA ]] || python3 "$SHARED/bench/gen_logs.py" --lines "$LINES" --seed 42 --out "$DATA" >&2

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
OTLP_PORT=$(free_port)
RUN=$OUT/run
rm -rf "$RUN"; mkdir -p "$RUN"
cat >"$RUN/vigil.yaml" <<YAML
server: { listen: "127.0.0.1:$API_PORT", max_body_bytes: 64MiB }
storage: { data_dir: "$RUN/data" }
log: { level: warning }
sources:
  - type: http
  - type: otlp
    listen: "127.0.0.1:$OTLP_PORT"
    max_request_bytes: 64MiB
YAML
"$BIN/vigil" agent --config "$RUN/vigil.yaml" >"$RUN/stdout.log" 2>"$RUN/stderr.log" &
AGENT_PID=$!
trap 'kill $AGENT_PID 2>/dev/null || true' EXIT
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

"$VENV/bin/python" "$HERE/load.py" --lines "$DATA" --pid "$AGENT_PID" --api "http://127.0.0.1:$API_PORT" \
  --otlp "http://127.0.0.1:$OTLP_PORT" --batch "$BATCH" --rounds "$ROUNDS" --connections "$CONNECTIONS" >"$RUN/phases.jsonl"
kill -TERM "$AGENT_PID"; wait "$AGENT_PID" || true
trap - EXIT

RESULT=$RESULTS_DIR/$STAMP.txt
{
  echo "# OTLP vs NDJSON ingest $STAMP: $LINES lines x $ROUNDS rounds each, batches of $BATCH, $CONNECTIONS connections, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# same agent (release, embedded log store), same run, formats alternating; medians over rounds"
  python3 - "$RUN/phases.jsonl" <<'PY'
import json, statistics, sys
phases = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'format':<14} {'B/log':>7} {'logs/s':>9} {'agent CPU s/100k':>17} {'acked s':>8} {'stored s':>9}")
rows = {}
for fmt in ("ndjson", "otlp-protobuf"):
    ps = [p for p in phases if p["format"] == fmt]
    med = lambda k: statistics.median(p[k] for p in ps)
    rows[fmt] = (med("logs_per_s"), med("cpu_s_per_100k"))
    print(f"{fmt:<14} {ps[0]['bytes_per_log']:>7} {med('logs_per_s'):>9.0f} {med('cpu_s_per_100k'):>17.3f} {med('acked_s'):>8.2f} {med('stored_s'):>9.2f}")
n, o = rows["ndjson"], rows["otlp-protobuf"]
print(f"otlp/ndjson: throughput x{o[0] / n[0]:.2f}, CPU per log x{o[1] / n[1]:.2f}")
print("# raw phases")
for p in phases: print(json.dumps(p))
PY
} | tee "$RESULT"
