#!/usr/bin/env bash
# make demo: the agent on the embedded default (SQLite log store) with a demo workload of an
# inference service: request logs, predictions and (later) labels over HTTP.
# Runs until Ctrl-C, or DEMO_SECONDS (default 600) seconds. Stops only the processes it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/debug/vigil
[ -x .build/release/vigil ] && [ .build/release/vigil -nt .build/debug/vigil ] && BIN=.build/release/vigil
PORT=${DEMO_PORT:-9750}
DATA=${DEMO_DATA:-./vigil-data/demo}
SECONDS_TO_RUN=${DEMO_SECONDS:-600}
mkdir -p "$DATA"

"$BIN" agent --config examples/demo.yaml --listen "127.0.0.1:$PORT" --data-dir "$DATA" 2> "$DATA/agent.log" &
AGENT=$!
WORKLOAD=""
cleanup() {
  [ -n "$WORKLOAD" ] && kill "$WORKLOAD" 2>/dev/null || true
  kill -TERM "$AGENT" 2>/dev/null || true
  wait "$AGENT" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$AGENT" 2>/dev/null || { echo "the agent did not start:"; cat "$DATA/agent.log"; exit 1; }
  sleep 0.2
done

cat <<TXT
Vigil is running (pid $AGENT, logs in $DATA/agent.log).
  metrics      http://127.0.0.1:$PORT/metrics
  health       http://127.0.0.1:$PORT/healthz   readiness http://127.0.0.1:$PORT/readyz
  ingest       POST http://127.0.0.1:$PORT/v1/logs  /v1/predictions  /v1/labels
  log search   http://127.0.0.1:$PORT/v1/logs/search?level=ERROR&limit=5
               $BIN logs search --data-dir $DATA --level ERROR --since 15m timeout
A demo workload posts request logs, predictions and delayed labels for ${SECONDS_TO_RUN}s. Ctrl-C stops everything.
TXT

python3 scripts/demo_workload.py --url "http://127.0.0.1:$PORT" --seconds "$SECONDS_TO_RUN" &
WORKLOAD=$!
sleep 5
echo
echo "--- after 5 s: a few of the agent's metrics ---"
curl -fsS "http://127.0.0.1:$PORT/metrics" | grep -E '^(vigil_events_received_total|vigil_model_predictions_total|vigil_model_labels_total|vigil_local_store_events_total|http_server_request_duration_seconds_count)' | head -12 || true
echo "--- the newest ERROR logs in the embedded store ---"
curl -fsS "http://127.0.0.1:$PORT/v1/logs/search?level=ERROR&limit=3" | head -c 1200; echo
wait "$WORKLOAD" || true
