#!/usr/bin/env bash
# Shipping benchmark: a 1,000,000-line file shipped to the Elasticsearch-compatible bulk server
# (vigil-es-mock, loopback), by Vigil and by the peers of ../shared/PEERS.md (beside the repository), in the same run.
#
#   Benchmarks/shipping/run.sh              # everything (builds release binaries first)
#   LINES=200000 RUNS=1 Benchmarks/shipping/run.sh
#   ONLY="vigil-drain vigil-agent" Benchmarks/shipping/run.sh
#   BASELINE=/path/to/old/release ONLY="vigil-agent vigil-baseline syslog-ng" Benchmarks/shipping/run.sh
#                                 # also runs the agent built from an older commit, to compare in one run
#
# Configurations measured (each on a fresh data dir and a reset receiver):
#   vigil-agent-gz0 / -gz1   `vigil agent`: tail -> durable spool (SQLite WAL) -> _bulk, gzip off / level 1
#   vigil-drain-gz0 / -gz1   the shipper alone: the file is first loaded into the spool (`vigil es import-spool`,
#                            not timed), then `vigil es drain` ships it (timed)
#   rsyslog                  rsyslog 8.2302 omelasticsearch, tuned config (in-memory queue, no gzip)
#   syslog-ng                syslog-ng 3.38 elasticsearch-http(), tuned config with flow-control (no gzip)
# Neither peer keeps a durable queue in these configurations; Vigil's spool is durable (synchronous=normal).
#
# Reported per run: wall seconds until the receiver has every line, events/s, CPU seconds (user+sys of the
# shipper process) per million events, peak RSS, request bytes received by the server, lines lost/duplicated
# (counted by the receiver from request_id). Medians over RUNS runs; ratios against syslog-ng and rsyslog.
# The per-run rows and the summary are kept in Benchmarks/shipping/results/ as results-DATE-COMMIT.tsv and
# summary-DATE-COMMIT.txt (RESULTS_DIR to change, SAVE_RESULTS=0 to keep nothing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The shared benchmark data generator and peer configurations live beside the repository (../shared).
SHARED=${SHARED:-$ROOT/../shared}
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
BATCH=${BATCH:-1000}
WORKERS=${WORKERS:-2}
ONLY=${ONLY:-"vigil-agent vigil-drain rsyslog syslog-ng"}
OUT=${OUT:-$ROOT/bench-out/shipping}
SCRATCH=${SCRATCH:-$ROOT/.build}
SYSLOG_NG_DIR=${SYSLOG_NG_DIR:-$OUT/syslog-ng-pkg}
PY=python3

mkdir -p "$OUT"
BIN=$SCRATCH/release
if [[ -z "${SKIP_BUILD:-}" ]]; then
  swift build -c release --scratch-path "$SCRATCH" --product vigil >&2
  swift build -c release --scratch-path "$SCRATCH" --product vigil-es-mock >&2
fi

DATA=$OUT/logs-$LINES.jsonl
[[ -s $DATA ]] || $PY "$SHARED/bench/gen_logs.py" --lines "$LINES" --seed 42 --out "$DATA"
FILE_BYTES=$(stat -c %s "$DATA")

# The receiver: one process for the whole run, reset between measurements.
MOCK_LOG=$OUT/mock.log
rm -f "$OUT/mock.port"
"$BIN/vigil-es-mock" --port 0 --port-file "$OUT/mock.port" --count-field request_id --threads 2 --no-store-bodies >"$MOCK_LOG" 2>&1 &
MOCK_PID=$!
cleanup() { kill "$MOCK_PID" 2>/dev/null || true; [[ -n "${RUN_PID:-}" ]] && kill -9 "$RUN_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do [[ -s $OUT/mock.port ]] && break; sleep 0.1; done
PORT=$(cat "$OUT/mock.port")
URL=http://127.0.0.1:$PORT

stats() { curl -s "$URL/_mock/stats"; }
field() { $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
reset() { curl -s -X POST "$URL/_mock/reset" >/dev/null; }

# Waits until the receiver has every line, or nothing moved for 15 s (a peer that lost lines).
wait_done() {
  local last=-1 still=0 now
  while :; do
    now=$(stats | field uniqueLines)
    [[ $now -ge $LINES ]] && return 0
    if [[ $now -eq $last ]]; then still=$((still + 1)); else still=0; last=$now; fi
    [[ $still -ge 150 ]] && return 1
    sleep 0.1
  done
}

RESULTS=$OUT/results.tsv
: >"$RESULTS"

# measure NAME RUN_DIR CMD...: runs CMD under /usr/bin/time -v until the receiver has all lines, then SIGTERM.
measure() {
  local name=$1 dir=$2
  shift 2
  reset
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/time.txt" "$@" >"$dir/stdout.log" 2>"$dir/stderr.log" &
  RUN_PID=$!
  local complete=yes
  wait_done || complete=no
  end=$(date +%s.%N)
  # SIGTERM to the measured process (the child of time), then wait for time to report.
  pkill -TERM -P "$RUN_PID" 2>/dev/null || true
  wait "$RUN_PID" 2>/dev/null || true
  RUN_PID=
  local s; s=$(stats)
  local user sys rss
  user=$(awk -F': ' '/User time/ {print $2}' "$dir/time.txt")
  sys=$(awk -F': ' '/System time/ {print $2}' "$dir/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$dir/time.txt")
  $PY - "$name" "$start" "$end" "$user" "$sys" "$rss" "$s" "$LINES" "$complete" >>"$RESULTS" <<'PYEOF'
import json, sys
name, start, end, user, sys_, rss, s, lines, complete = sys.argv[1:]
st = json.loads(s); lines = int(lines)
wall = float(end) - float(start); cpu = float(user) + float(sys_)
print("\t".join(map(str, [name, f"{wall:.2f}", f"{lines / wall:.0f}", f"{cpu * 1e6 / lines:.2f}", f"{int(rss) / 1024:.1f}",
                          st["bytesReceived"], lines - st["uniqueLines"], st["duplicateLines"], st["duplicates"], complete])))
PYEOF
  tail -1 "$RESULTS" >&2
}

vigil_agent() {
  local gz=$1 run=$2 bin=${3:-$BIN} label=${4:-vigil-agent}
  local dir=$OUT/$label-gz$gz-$run
  rm -rf "$dir"; mkdir -p "$dir"
  cat >"$dir/vigil.yaml" <<YAML
server: { listen: "127.0.0.1:0" }
storage: { data_dir: "$dir/data" }
sources:
  - { type: file, paths: ["$DATA"], format: json, start_at: beginning }
sinks:
  elasticsearch: { url: "$URL", gzip_level: $gz, max_in_flight: $WORKERS }
YAML
  measure "$label-gz$gz" "$dir" "$bin/vigil" agent --config "$dir/vigil.yaml"
}

vigil_drain() {
  local gz=$1 run=$2
  local dir=$OUT/vigil-drain-gz$gz-$run
  rm -rf "$dir"; mkdir -p "$dir"
  "$BIN/vigil" es import-spool --data-dir "$dir/data" "$DATA" >/dev/null
  measure "vigil-drain-gz$gz" "$dir" "$BIN/vigil" es drain --data-dir "$dir/data" --url "$URL" --gzip-level "$gz" --max-in-flight "$WORKERS"
}

rsyslog() {
  local run=$1
  local dir=$OUT/rsyslog-$run
  rm -rf "$dir"; mkdir -p "$dir/state"
  sed -e "s#@@RUNDIR@@#$dir#g" -e "s#@@FILE@@#$DATA#g" -e "s#@@PORT@@#$PORT#g" -e "s#@@INDEX@@#bench#g" \
      -e "s#@@BATCH@@#$BATCH#g" -e "s#@@WORKERS@@#$WORKERS#g" "$SHARED/bench/peers/rsyslog-tuned.conf" >"$dir/rsyslog.conf"
  measure rsyslog "$dir" rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
}

syslog_ng() {
  local run=$1
  local dir=$OUT/syslog-ng-$run
  if [[ ! -x $SYSLOG_NG_DIR/usr/sbin/syslog-ng ]]; then
    mkdir -p "$SYSLOG_NG_DIR/debs"
    (cd "$SYSLOG_NG_DIR/debs" && apt-get download syslog-ng-core syslog-ng-mod-http syslog-ng-scl libivykis0 libnet1 libpcre3 >/dev/null)
    for deb in "$SYSLOG_NG_DIR"/debs/*.deb; do dpkg -x "$deb" "$SYSLOG_NG_DIR"; done
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  sed -e "s#@@RUNDIR@@#$dir#g" -e "s#@@FILE@@#$DATA#g" -e "s#@@PORT@@#$PORT#g" -e "s#@@INDEX@@#bench#g" \
      -e "s#@@BATCH@@#$BATCH#g" -e "s#@@WORKERS@@#$WORKERS#g" -e "s#@@IWSIZE@@#$((BATCH * 10))#g" \
      -e "s#@@SCL@@#$SYSLOG_NG_DIR/usr/share/syslog-ng/include/scl#g" "$SHARED/bench/peers/syslog-ng-tuned.conf" >"$dir/syslog-ng.conf"
  LD_LIBRARY_PATH=$SYSLOG_NG_DIR/usr/lib/syslog-ng:$SYSLOG_NG_DIR/usr/lib/x86_64-linux-gnu:$SYSLOG_NG_DIR/lib/x86_64-linux-gnu \
    measure syslog-ng "$dir" "$SYSLOG_NG_DIR/usr/sbin/syslog-ng" -F -f "$dir/syslog-ng.conf" -R "$dir/persist" -p "$dir/pid" \
      -c "$dir/ctl" --module-path="$SYSLOG_NG_DIR/usr/lib/syslog-ng/3.38" --no-caps
}

echo "file: $DATA ($LINES lines, $FILE_BYTES bytes); receiver $URL" >&2
for run in $(seq "$RUNS"); do
  for what in $ONLY; do
    case $what in
      vigil-agent) vigil_agent 0 "$run"; vigil_agent 1 "$run" ;;
      vigil-baseline) vigil_agent 0 "$run" "$BASELINE" vigil-baseline; vigil_agent 1 "$run" "$BASELINE" vigil-baseline ;;
      vigil-drain) vigil_drain 0 "$run"; vigil_drain 1 "$run" ;;
      rsyslog) command -v rsyslogd >/dev/null && rsyslog "$run" || echo "rsyslogd not installed (apt-get install rsyslog rsyslog-elasticsearch)" >&2 ;;
      syslog-ng) syslog_ng "$run" ;;
    esac
  done
done

SUMMARY=$OUT/summary.txt
$PY - "$RESULTS" >"$SUMMARY" <<'PYEOF'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    rows.setdefault(f[0], []).append(f)
def med(name, i): return statistics.median(float(r[i]) for r in rows[name])
print(f"{'shipper':<17}{'runs':>5}{'wall s':>9}{'events/s':>11}{'CPU s/1M':>10}{'RSS MiB':>9}{'wire MB':>9}{'lost':>7}{'dup':>6}{'409':>6}")
for name in rows:
    print(f"{name:<17}{len(rows[name]):>5}{med(name,1):>9.2f}{med(name,2):>11.0f}{med(name,3):>10.2f}{med(name,4):>9.1f}"
          f"{med(name,5)/1e6:>9.1f}{med(name,6):>7.0f}{med(name,7):>6.0f}{med(name,8):>6.0f}")
for peer in ("syslog-ng", "rsyslog"):
    if peer not in rows: continue
    for name in rows:
        if name.startswith("vigil"):
            print(f"{name} vs {peer}: throughput x{med(name,2)/med(peer,2):.2f}, CPU/1M x{med(name,3)/med(peer,3):.2f}, RSS x{med(name,4)/med(peer,4):.2f}")
PYEOF
cat "$SUMMARY"
if [[ "${SAVE_RESULTS:-1}" != 0 ]]; then
  RESULTS_DIR=${RESULTS_DIR:-$ROOT/Benchmarks/shipping/results}
  STAMP=$(date -u +%Y-%m-%d)-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  mkdir -p "$RESULTS_DIR"
  cp "$RESULTS" "$RESULTS_DIR/results-$STAMP.tsv"
  cp "$SUMMARY" "$RESULTS_DIR/summary-$STAMP.txt"
  echo "kept in $RESULTS_DIR/results-$STAMP.tsv and summary-$STAMP.txt" >&2
fi
