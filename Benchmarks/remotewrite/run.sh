#!/usr/bin/env bash
# Remote write benchmark, release mode, loopback. One Prometheus (Debian's) runs as the receiver
# (--web.enable-remote-write-receiver); then, one after the other:
#   1. RemoteWriteBench: SERIES counter series snapshotted, encoded (protobuf + snappy), queued on disk and POSTed
#      as fast as the receiver takes them for SECONDS; samples/s delivered and CPU (getrusage) per million samples;
#   2. the peer, Prometheus in agent mode (--enable-feature=agent: scrape, WAL, remote write, no local TSDB),
#      scraping a static exposition of the same SERIES series every second and remote-writing them to the same
#      receiver for SECONDS; its CPU (process_cpu_seconds_total) per million samples sent
#      (prometheus_remote_storage_samples_total), both read from its own /metrics.
# The peer's rate is bound by its scrape interval (SERIES samples/s); compare CPU per sample, not rates.
# Usage: Benchmarks/remotewrite/run.sh [SERIES] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
series="${1:-10000}" seconds="${2:-20}"
swift build -c release --package-path "$here" --scratch-path "$here/.build" >&2
prom="$(command -v prometheus)"
dir="$(mktemp -d /tmp/vigil-rwbench-XXXX)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$dir"; }
trap cleanup EXIT
wait_ready() { for _ in $(seq 1 120); do curl -sf "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "not ready: $1" >&2; exit 1; }
metric() {  # metric URL NAME: the sum of a family's samples in an exposition
  curl -sf "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 { s += $2 } END { printf "%.6f\n", s }'
}

rport="$(free_port)"
printf 'global:\n  scrape_interval: 1m\n' > "$dir/receiver.yml"
"$prom" --config.file="$dir/receiver.yml" --storage.tsdb.path="$dir/receiver" --web.listen-address="127.0.0.1:$rport" \
  --web.enable-remote-write-receiver --log.level=warn 2>"$dir/receiver.log" &
pids+=($!)
wait_ready "http://127.0.0.1:$rport/-/ready"
echo "receiver: $("$prom" --version 2>&1 | head -1) on 127.0.0.1:$rport; $(nproc) cores; $series series, ${seconds}s each"

"$here/.build/release/RemoteWriteBench" "http://127.0.0.1:$rport/api/v1/write" "$series" "$seconds" "$dir/queue"
got="$(curl -sf "http://127.0.0.1:$rport/api/v1/query" --data-urlencode 'query=count(bench_requests_total{sender="vigil"})' |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')"
echo "receiver holds $got vigil series (expected $series)"
[ "$got" = "$series" ] || { echo "the receiver does not hold every series" >&2; exit 1; }

# The peer: a static exposition of the same shape, scraped every second by Prometheus in agent mode.
python3 - "$series" > "$dir/metrics" <<'PY'
import sys
n = int(sys.argv[1])
print("# TYPE bench_peer_requests_total counter")
for i in range(n):
    print(f'bench_peer_requests_total{{route="/api/v1/route{i % 50}",code="{["200","404","500","503"][(i // 50) % 4]}",shard="s{i // 200}"}} {i}')
PY
tport="$(free_port)" aport="$(free_port)"
(cd "$dir" && exec python3 -m http.server "$tport" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
cat > "$dir/agent.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: peer
    metrics_path: /metrics
    static_configs: [ { targets: ["127.0.0.1:$tport"] } ]
remote_write:
  - url: http://127.0.0.1:$rport/api/v1/write
YML
"$prom" --enable-feature=agent --config.file="$dir/agent.yml" --storage.agent.path="$dir/agent" \
  --web.listen-address="127.0.0.1:$aport" --log.level=warn 2>"$dir/agent.log" &
pids+=($!)
wait_ready "http://127.0.0.1:$aport/-/ready"
am="http://127.0.0.1:$aport/metrics"
# Let the first scrapes and sends settle (series creation costs more than steady state), then measure.
for _ in $(seq 1 60); do
  s="$(metric "$am" prometheus_remote_storage_samples_total)"
  python3 -c "import sys; sys.exit(0 if float('$s') >= 3 * $series else 1)" && break
  sleep 1
done
cpu0="$(metric "$am" process_cpu_seconds_total)" s0="$(metric "$am" prometheus_remote_storage_samples_total)" t0="$(date +%s.%N)"
sleep "$seconds"
cpu1="$(metric "$am" process_cpu_seconds_total)" s1="$(metric "$am" prometheus_remote_storage_samples_total)" t1="$(date +%s.%N)"
failed="$(metric "$am" prometheus_remote_storage_samples_failed_total)"
python3 - "$cpu0" "$cpu1" "$s0" "$s1" "$t0" "$t1" "$failed" "$series" <<'PY'
import sys
cpu0, cpu1, s0, s1, t0, t1, failed = map(float, sys.argv[1:8])
series = int(sys.argv[8])
samples = s1 - s0
print(f"prometheus agent (peer): {series} series scraped every 1s, {samples / (t1 - t0):.0f} samples/s sent, "
      f"CPU {(cpu1 - cpu0) / max(samples, 1) * 1e6:.3f} s per million samples (scrape + WAL + remote write), "
      f"{failed:.0f} failed samples, {(cpu1 - cpu0) / (t1 - t0):.2f} cores busy")
PY
