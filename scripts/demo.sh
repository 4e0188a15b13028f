#!/usr/bin/env bash
# make demo: Vigil's story in about two minutes. The agent runs on the embedded default (SQLite log store, no
# Elasticsearch) with examples/demo.yaml; a synthetic inference service (scripts/demo_workload.py) serves the model
# fraud-detector in two variants, v3 (champion) and v4 (challenger), under a canary rollout the demo starts with a
# release-manager token it generates. After DEMO_DEGRADE_AFTER seconds v4 degrades (errors, latency, accuracy,
# a drifting feature); Vigil rolls it back on its own, and the demo prints why, how long it took, and where to look.
#
#   scripts/demo.sh [--prometheus]     also run Debian's Prometheus and Alertmanager on 127.0.0.1 with alerts/*.rules.yml
#
# Environment: DEMO_PORT (9750), DEMO_DATA (./vigil-data/demo, emptied first), DEMO_SECONDS (180: give up without
# a decision), DEMO_DEGRADE_AFTER (50), DEMO_RATE (200 requests/s), DEMO_LINGER (seconds the agent stays up after
# the rollback for the printed commands: 600 on a terminal, else 0; Ctrl-C ends it sooner), DEMO_ALERTS_DIR
# (alerts: where --prometheus finds *.rules.yml and alertmanager.yml).
# Stops only the processes it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PROMETHEUS=0
for arg in "$@"; do
  case "$arg" in
    --prometheus) PROMETHEUS=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $arg (known: --prometheus)" >&2; exit 2 ;;
  esac
done

BIN=$ROOT/.build/debug/vigil
[ -x .build/release/vigil ] && [ .build/release/vigil -nt .build/debug/vigil ] && BIN=$ROOT/.build/release/vigil
[ -x "$BIN" ] || { echo "demo.sh: $BIN is not built: run make demo (or swift build)" >&2; exit 1; }
PORT=${DEMO_PORT:-9750}
DATA=${DEMO_DATA:-./vigil-data/demo}
SECONDS_TO_RUN=${DEMO_SECONDS:-180}
DEGRADE_AFTER=${DEMO_DEGRADE_AFTER:-50}
RATE=${DEMO_RATE:-200}
if [ -t 1 ]; then LINGER=${DEMO_LINGER:-600}; else LINGER=${DEMO_LINGER:-0}; fi
URL=http://127.0.0.1:$PORT
MODEL=fraud-detector

# A fresh data dir each run (the story starts from a pending rollout); only a demo's own dir is emptied.
if [ -d "$DATA" ] && [ -n "$(ls -A "$DATA")" ] && [ ! -f "$DATA/.vigil-demo" ] && [ "$DATA" != ./vigil-data/demo ]; then
  echo "demo.sh: DEMO_DATA=$DATA is not empty and not a demo data dir; remove it or choose another" >&2; exit 1
fi
if ! python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null; then
  echo "demo.sh: 127.0.0.1:$PORT is in use; set DEMO_PORT to a free port" >&2; exit 1
fi
rm -rf "$DATA"
mkdir -p "$DATA"
touch "$DATA/.vigil-demo"
DATA=$(cd "$DATA" && pwd)

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo; echo "stopping"; exit 130' INT
trap 'echo; echo "stopping"; exit 143' TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # URL what pid
  for _ in $(seq 1 150); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 did not start; its log:"; cat "$4" >&2; exit 1; }
    sleep 0.2
  done
  echo "$2 not ready after 30 s"; exit 1
}

# 1. Tokens: fresh random ones in the data dir (mode 600); the configuration holds only their SHA-256.
mkdir -m 700 "$DATA/tokens"
AUTH="auth:\n  tokens:\n"
# The service posts events and asks for the rollout's weight (ingest + viewer); people read (viewer) or act.
for who in release-manager:release-manager viewer:viewer service:ingest,viewer; do
  name=${who%%:*}
  (umask 077; openssl rand -hex 32 > "$DATA/tokens/$name.token")
  AUTH+="    - { name: demo-$name, sha256: \"$(tr -d '\n' < "$DATA/tokens/$name.token" | sha256sum | cut -d' ' -f1)\", roles: [${who#*:}] }\n"
done

# 2. The model's reference profile, from reference data the workload generates.
python3 scripts/demo_workload.py reference --out "$DATA/reference.csv"
"$BIN" profile build --input "$DATA/reference.csv" --model "$MODEL" --out "$DATA/demo-reference-profile.json" \
  --label-column label --prediction-column prediction --score-column score --positive-class fraud 2> "$DATA/profile.log" \
  || { cat "$DATA/profile.log" >&2; exit 1; }

# 3. With --prometheus: Alertmanager and Prometheus on free loopback ports, state under the data dir.
ACTIONS=""
if [ "$PROMETHEUS" = 1 ]; then
  for b in /usr/bin/prometheus /usr/bin/prometheus-alertmanager; do
    [ -x "$b" ] || { echo "demo.sh: $b is missing (apt-get install prometheus prometheus-alertmanager)" >&2; exit 1; }
  done
  AM_PORT=$(free_port); PROM_PORT=$(free_port)
  mkdir -p "$DATA/alertmanager" "$DATA/prometheus"
  ALERTS=$(cd "${DEMO_ALERTS_DIR:-alerts}" 2>/dev/null && pwd || echo "${DEMO_ALERTS_DIR:-alerts}")
  if [ -f "$ALERTS/alertmanager.yml" ]; then AM_CONFIG=$ALERTS/alertmanager.yml
  else
    AM_CONFIG=$DATA/alertmanager/alertmanager.yml
    printf 'route: { receiver: demo, group_wait: 1s, group_interval: 5s }\nreceivers: [ { name: demo } ]\n' > "$AM_CONFIG"
  fi
  /usr/bin/prometheus-alertmanager --config.file="$AM_CONFIG" --storage.path="$DATA/alertmanager/data" \
    --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= > "$DATA/alertmanager/log" 2>&1 &
  PIDS+=($!); AM_PID=$!
  shopt -s nullglob; RULES=("$ALERTS"/*.rules.yml); shopt -u nullglob
  [ ${#RULES[@]} -gt 0 ] || echo "warning: no $ALERTS/*.rules.yml: Prometheus runs without rules (the agent still pushes its rollout alerts)"
  {
    printf 'global: { scrape_interval: 2s, evaluation_interval: 2s }\n'
    printf 'rule_files:\n'; for r in "${RULES[@]}"; do printf '  - "%s"\n' "$r"; done
    [ ${#RULES[@]} -gt 0 ] || printf '  []\n'
    printf 'alerting:\n  alertmanagers: [ { static_configs: [ { targets: ["127.0.0.1:%s"] } ] } ]\n' "$AM_PORT"
    printf 'scrape_configs:\n  - job_name: vigil\n    static_configs: [ { targets: ["127.0.0.1:%s"] } ]\n' "$PORT"
  } > "$DATA/prometheus/prometheus.yml"
  /usr/bin/prometheus --config.file="$DATA/prometheus/prometheus.yml" --storage.tsdb.path="$DATA/prometheus/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" > "$DATA/prometheus/log" 2>&1 &
  PIDS+=($!); PROM_PID=$!
  wait_http "http://127.0.0.1:$AM_PORT/-/ready" Alertmanager "$AM_PID" "$DATA/alertmanager/log"
  wait_http "http://127.0.0.1:$PROM_PORT/-/ready" Prometheus "$PROM_PID" "$DATA/prometheus/log"
  ACTIONS="actions:\n  alertmanager: { url: \"http://127.0.0.1:$AM_PORT\", resend_interval: 5s }\n"
fi

# 4. The agent, with examples/demo.yaml plus the generated tokens (and Alertmanager).
{ cat examples/demo.yaml; printf '\n# generated by scripts/demo.sh\n'; printf "$AUTH"; printf "$ACTIONS"; } > "$DATA/vigil.yaml"
"$BIN" agent --config "$DATA/vigil.yaml" --listen "127.0.0.1:$PORT" --data-dir "$DATA" 2> "$DATA/agent.log" &
AGENT=$!; PIDS+=("$AGENT")
wait_http "$URL/readyz" "the agent" "$AGENT" "$DATA/agent.log"
echo "Vigil is ready on $URL (pid $AGENT, data in $DATA, its log in $DATA/agent.log)"

# 5. A release manager starts the canary through the authenticated API (the CLI is its client).
"$BIN" rollout start "$MODEL" --reason "demo: ship v4 as a canary" --server "$URL" --token-file "$DATA/tokens/release-manager.token"
echo "A service serves $MODEL v3 (champion) and v4 (challenger) at ${RATE} requests/s: request logs, predictions,"
echo "labels 2-8 s later. v4 degrades after ${DEGRADE_AFTER} s. Vigil evaluates the rollout every 5 s."
echo "  guardrails, in order: error rate, latency (share slower than v3's p99), accuracy, drift of amount: + pass ? pending . no data X fail"

python3 scripts/demo_workload.py run --url "$URL" --token-file "$DATA/tokens/service.token" --data-dir "$DATA" --champion v3 --challenger v4 \
  --seconds "$((SECONDS_TO_RUN + LINGER + 60))" --rate "$RATE" --degrade-after "$DEGRADE_AFTER" &
PIDS+=($!)

# 6. The live status until the rollout is decided. (In the background with `wait`, so a signal is handled at once.)
python3 scripts/demo_workload.py watch --url "$URL" --token-file "$DATA/tokens/viewer.token" --data-dir "$DATA" --champion v3 --challenger v4 \
  --seconds "$SECONDS_TO_RUN" &
WATCH=$!; PIDS+=("$WATCH")
DECIDED=0; wait "$WATCH" || DECIDED=$?

# 7. With --prometheus: wait for the rollback alert in Alertmanager.
if [ "$PROMETHEUS" = 1 ] && [ "$DECIDED" = 0 ]; then
  python3 - "http://127.0.0.1:$AM_PORT" "$DATA/decided_at" <<'PY' || true
import json, sys, time, urllib.request
start = time.time()
try:
    decided = int(open(sys.argv[2]).read()) / 1000
except (OSError, ValueError):
    decided = start
while time.time() - start < 60:
    try:
        alerts = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v2/alerts", timeout=5))
    except OSError:
        alerts = []
    hit = [a for a in alerts if a.get("labels", {}).get("alertname") == "VigilRolloutRolledBack"]
    if hit:
        labels = hit[0]["labels"]
        print("Alertmanager has VigilRolloutRolledBack (%s; %s) %.0f s after the rollback" % (
            ", ".join("%s=%s" % kv for kv in sorted(labels.items()) if kv[0] != "alertname"),
            "pushed by the agent" if labels.get("source") == "vigil" else "from a Prometheus rule", time.time() - decided))
        sys.exit(0)
    time.sleep(1)
print("Alertmanager did not receive VigilRolloutRolledBack within 60 s")
sys.exit(1)
PY
fi

VIEWER="--token-file $DATA/tokens/viewer.token"
cat <<TXT

See what happened:
  metrics         $URL/metrics
  rollout         $BIN rollout status $MODEL --server $URL $VIEWER
  audit log       curl -s -H "Authorization: Bearer \$(cat $DATA/tokens/viewer.token)" "$URL/v1/audit?model=$MODEL"
  v4's errors     $BIN logs search --data-dir $DATA --service fraud-api --level ERROR --since 15m v4
TXT
if [ "$PROMETHEUS" = 1 ]; then
  echo "  Prometheus      http://127.0.0.1:$PROM_PORT/alerts   (job vigil, rules: ${#RULES[@]} file(s))"
  echo "  Alertmanager    http://127.0.0.1:$AM_PORT/#/alerts"
fi
if [ "$LINGER" -le 0 ]; then
  echo "The demo stops what it started now; DEMO_LINGER=600 keeps the agent up to try these (the default on a terminal)."
else
  echo "The agent stays up for ${LINGER} s so you can try these; Ctrl-C stops everything the demo started."
  sleep "$LINGER" &
  PIDS+=($!); wait $!
fi
exit "$DECIDED"
