#!/usr/bin/env bash
# vigil controller benchmark: the time and CPU of one evaluation round for ROLLOUTS rollouts over AGENTS agents'
# series, with the Prometheus query time reported separately.
#   1. fleet_targets.py serves /metrics for AGENTS fake agents (the rollout evidence families of ROLLOUTS models,
#      counters growing with time); a private Prometheus scrapes them every 5 s for WARMUP seconds;
#   2. a private PostgreSQL holds the rollout state; `vigil controller` (release) starts every rollout and evaluates
#      them every second for SECONDS seconds (error_rate and p99 latency guardrails, accuracy primary: 6 queries per
#      rollout and round);
#   3. the figures are deltas of the controller's own metrics (vigil_controller_round_duration_seconds,
#      vigil_controller_query_duration_seconds, process_cpu_seconds_total) and of Prometheus' engine time
#      (prometheus_engine_query_duration_seconds{slice="inner_eval"}) over the measured seconds.
# Usage: Benchmarks/controller/run.sh [AGENTS] [ROLLOUTS] [SECONDS] [WARMUP]
#   VIGIL_BIN=path  use this vigil instead of building it (release) here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
agents="${1:-100}" rollouts="${2:-10}" seconds="${3:-30}" warmup="${4:-60}"
if [ -z "${VIGIL_BIN:-}" ]; then
  swift build -c release --package-path "$root" --product vigil >&2
  VIGIL_BIN="$root/.build/release/vigil"
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d /tmp/vigil-controller-bench-XXXX)"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pgport="$(freeport)" promport="$(freeport)" ctlport="$(freeport)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$dir/data/postmaster.pid" ] && kill -INT "$(head -1 "$dir/data/postmaster.pid")" 2>/dev/null || true
  sleep 1; rm -rf "$dir"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
as_pg timeout 60 "$bin/initdb" -D "$dir/data" -U vigil -A trust -E UTF8 --no-sync --no-instructions >/dev/null
as_pg timeout 60 "$bin/pg_ctl" start -w -t 30 -D "$dir/data" -l "$dir/pg.log" \
  -o "-c listen_addresses=127.0.0.1 -p $pgport -k $dir -c fsync=off -c synchronous_commit=off" >/dev/null
as_pg "$bin/createdb" -h 127.0.0.1 -p "$pgport" -U vigil vigil

python3 "$here/fleet_targets.py" "$agents" "$rollouts" "$dir/ports" & pids+=($!)
for _ in $(seq 100); do [ -f "$dir/ports" ] && break; sleep 0.1; done
targets="$(awk '{printf "%s\"127.0.0.1:%s\"", (NR>1?", ":""), $1}' "$dir/ports")"
cat > "$dir/prometheus.yml" <<YAML
global: { scrape_interval: 5s, scrape_timeout: 4s }
scrape_configs:
  - job_name: vigil
    static_configs: [ { targets: [ $targets ] } ]
YAML
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" --web.listen-address="127.0.0.1:$promport" \
  --log.level=warn 2>"$dir/prometheus.log" & pids+=($!)
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$promport/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
echo "$agents fake agents scraped every 5 s; warming up ${warmup} s" >&2
sleep "$warmup"

{
  echo "storage:"
  echo "  data_dir: \"$dir/vigil-data\""
  echo "  shared: { url: \"postgres://vigil@127.0.0.1:$pgport/vigil\", tls: { mode: disable } }"
  echo "models:"
  for m in $(seq 0 $((rollouts - 1))); do echo "  - { name: m$m }"; done
  echo "rollouts:"
  for m in $(seq 0 $((rollouts - 1))); do
    echo "  - { model: m$m, champion: v1, challenger: v2, min_step_duration: 1h, evaluator: controller,"
    echo "      guardrails: [ { metric: error_rate }, { metric: latency, quantile: 0.99 } ], primary: { metric: accuracy } }"
  done
  echo "controller:"
  echo "  prometheus: { url: \"http://127.0.0.1:$promport\" }"
  echo "  interval: 1s"
  echo "  staleness: 30s"
  echo "  lookback: 10m"
} > "$dir/vigil.yaml"
"$VIGIL_BIN" db migrate --config "$dir/vigil.yaml" >/dev/null
"$VIGIL_BIN" controller --config "$dir/vigil.yaml" --listen "127.0.0.1:$ctlport" --log-level warning 2>"$dir/controller.log" & pids+=($!)
ctlpid=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$ctlport/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
for m in $(seq 0 $((rollouts - 1))); do
  curl -fs -X POST -H 'Content-Type: application/json' -d '{"reason":"benchmark"}' "http://127.0.0.1:$ctlport/v1/rollouts/m$m/start" >/dev/null
done
sleep 3
curl -fs "http://127.0.0.1:$ctlport/metrics" > "$dir/c0"; curl -fs "http://127.0.0.1:$promport/metrics" > "$dir/p0"
sleep "$seconds"
curl -fs "http://127.0.0.1:$ctlport/metrics" > "$dir/c1"; curl -fs "http://127.0.0.1:$promport/metrics" > "$dir/p1"
states="$(curl -fs "http://127.0.0.1:$ctlport/v1/rollouts" | python3 -c 'import json,sys; r=json.load(sys.stdin)["rollouts"]; import collections; print(dict(collections.Counter((x.get("lastEvaluation") or {}).get("decision","none") for x in r)))')"
series="$(curl -fs "http://127.0.0.1:$promport/api/v1/query" --data-urlencode 'query=count({__name__=~"vigil_rollout_.*"})' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')"
python3 - "$dir" "$agents" "$rollouts" "$seconds" "$series" "$states" "$(nproc)" <<'PY'
import sys, re
d, agents, rollouts, secs, series, states, cores = sys.argv[1:8]
def read(path):
    out = {}
    for line in open(path):
        if line.startswith("#"): continue
        m = re.match(r'^([^ {]+)(\{[^}]*\})? ([^ ]+)', line)
        if m: out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out
c0, c1, p0, p1 = (read(f"{d}/{n}") for n in ("c0", "c1", "p0", "p1"))
delta = lambda a, b, k: b.get(k, 0) - a.get(k, 0)
rounds = delta(c0, c1, "vigil_controller_round_duration_seconds_count")
round_s = delta(c0, c1, "vigil_controller_round_duration_seconds_sum")
queries = delta(c0, c1, "vigil_controller_query_duration_seconds_count")
query_s = delta(c0, c1, "vigil_controller_query_duration_seconds_sum")
cpu = delta(c0, c1, "process_cpu_seconds_total")
errors = delta(c0, c1, 'vigil_controller_queries_total{outcome="error"}')
pk = 'prometheus_engine_query_duration_seconds_sum{slice="inner_eval"}'
pc = 'prometheus_engine_query_duration_seconds_count{slice="inner_eval"}'
engine_s, engine_n = delta(p0, p1, pk), delta(p0, p1, pc)
print(f"{agents} agents x {rollouts} rollouts: {series} vigil_rollout_* series in Prometheus; {cores} cores; measured {secs} s")
print(f"rounds: {rounds:.0f}; wall time per round (all {rollouts} rollouts: refresh + queries + evaluation): {1000 * round_s / max(rounds, 1):.1f} ms")
print(f"controller CPU per round: {1000 * cpu / max(rounds, 1):.2f} ms ({1000 * cpu / max(rounds, 1) / int(rollouts):.3f} ms per rollout evaluation)")
print(f"queries: {queries:.0f} ({queries / max(rounds, 1):.0f} per round, {errors:.0f} failed); time per query as the controller sees it (HTTP + parse): {1000 * query_s / max(queries, 1):.2f} ms")
print(f"Prometheus engine time (inner_eval) per query: {1000 * engine_s / max(engine_n, 1):.2f} ms over {engine_n:.0f} queries")
print(f"last decisions: {states}")
PY
