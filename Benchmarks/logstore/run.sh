#!/usr/bin/env bash
# Embedded log store benchmark (release builds, loopback, one run of everything so ratios are taken together).
#
#   Benchmarks/logstore/run.sh
#   LINES=300000 RUNS=3 STORE_REPEAT=10 SEARCH_RUNS=21 Benchmarks/logstore/run.sh
#   BASELINE=/path/to/old/release/dir Benchmarks/logstore/run.sh   # also the agent built from an older commit
#                                                                   # (the SQLite FTS5 store), same run
#
# 1. Ingestion, end to end: `vigil agent` tails the standard file (shared/bench/gen_logs.py, LINES lines,
#    seed 42) from the beginning into
#      local      the default sink, the embedded log store
#      es-gz0/1   Elasticsearch: tail -> spool -> _bulk to the mock (vigil-es-mock, loopback), gzip off / level 1
#      baseline   (with BASELINE) the older agent into its FTS5 store
#    until the store has committed (vigil_local_store_events_total) or the mock has received every line.
#    Reported: wall s, events/s, CPU s per million events (user+sys of the agent, /usr/bin/time -v), peak RSS,
#    and for the stores the bytes on disk per event. Medians over RUNS.
# 2. Search: a 10M-event store is filled through the store API by LogStoreBench from the standard 1M-line file
#    read STORE_REPEAT times (ids and times shifted per pass: generating and tailing 10M lines takes too long
#    on these machines; the bodies repeat, so a request id occurs once per pass; the fill's own CPU per event
#    is reported too), then each
#    query runs SEARCH_RUNS times in process (p50/p90) and a few times through `vigil logs search` (whole
#    process). With BASELINE, the same CLI queries also run on the 1M-line stores of step 1, old and new.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/Benchmarks/logstore
SHARED=${SHARED:-$ROOT/../shared}
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
STORE_REPEAT=${STORE_REPEAT:-10}
SEARCH_RUNS=${SEARCH_RUNS:-21}
OUT=${OUT:-$ROOT/bench-out/logstore}
SCRATCH=${SCRATCH:-$ROOT/.build}
RESULTS_DIR=${RESULTS_DIR:-$HERE/results}
PY=python3
STAMP=$(date -u +%Y-%m-%d)-$(git -C "$ROOT" rev-parse --short HEAD)

mkdir -p "$OUT" "$RESULTS_DIR"
BIN=${BIN:-$SCRATCH/release}
if [[ -z "${SKIP_BUILD:-}" ]]; then
  swift build -c release --scratch-path "$SCRATCH" --product vigil >&2
  swift build -c release --scratch-path "$SCRATCH" --product vigil-es-mock >&2
  (cd "$HERE" && swift build -c release >&2)
fi
BENCH=$HERE/.build/release/LogStoreBench

DATA=$OUT/logs-$LINES.jsonl
[[ -s $DATA ]] || $PY "$SHARED/bench/gen_logs.py" --lines "$LINES" --seed 42 --out "$DATA" >&2

MOCK_LOG=$OUT/mock.log
rm -f "$OUT/mock.port"
"$BIN/vigil-es-mock" --port 0 --port-file "$OUT/mock.port" --count-field request_id --threads 2 --no-store-bodies >"$MOCK_LOG" 2>&1 &
MOCK_PID=$!
RUN_PID=
cleanup() { kill "$MOCK_PID" 2>/dev/null || true; [[ -n "${RUN_PID:-}" ]] && kill "$RUN_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do [[ -s $OUT/mock.port ]] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$OUT/mock.port")
AGENT_PORT=${AGENT_PORT:-19761}

mock_lines() { curl -s "$URL/_mock/stats" | $PY -c "import json,sys; print(json.load(sys.stdin)['uniqueLines'])"; }
store_events() {
  curl -s "http://127.0.0.1:$AGENT_PORT/metrics" 2>/dev/null | awk '/^vigil_local_store_events_total/ {print int($2)}' | head -1
}

# Waits until `$1` prints at least LINES, or nothing moved for 30 s.
wait_done() {
  local probe=$1 last=-1 still=0 now
  while :; do
    now=$($probe || true); now=${now:-0}
    [[ $now -ge $LINES ]] && return 0
    if [[ $now -eq $last ]]; then still=$((still + 1)); else still=0; last=$now; fi
    [[ $still -ge 300 ]] && return 1
    sleep 0.1
  done
}

INGEST=$OUT/ingest.tsv
: >"$INGEST"

# agent NAME SINK BIN RUN: one measured agent run.
agent() {
  local name=$1 sink=$2 bin=$3 run=$4
  local dir=$OUT/$name-$run
  rm -rf "$dir"; mkdir -p "$dir"
  local sinks="" probe=store_events
  case $sink in
    local) ;;
    es-gz*) sinks="sinks: { elasticsearch: { url: \"$URL\", gzip_level: ${sink#es-gz} } }"; probe=mock_lines
            curl -s -X POST "$URL/_mock/reset" >/dev/null ;;
  esac
  cat >"$dir/vigil.yaml" <<YAML
server: { listen: "127.0.0.1:$AGENT_PORT" }
storage: { data_dir: "$dir/data" }
sources:
  - { type: file, paths: ["$DATA"], format: json, start_at: beginning }
$sinks
YAML
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$dir/time.txt" "$bin/vigil" agent --config "$dir/vigil.yaml" >"$dir/stdout.log" 2>"$dir/stderr.log" &
  RUN_PID=$!
  local complete=yes
  wait_done "$probe" || complete=no
  end=$(date +%s.%N)
  pkill -TERM -P "$RUN_PID" 2>/dev/null || true
  wait "$RUN_PID" 2>/dev/null || true
  RUN_PID=
  local bytes=0
  if [[ $sink == local ]]; then bytes=$(du -sb "$dir/data"/logs* 2>/dev/null | awk '{s += $1} END {print s + 0}'); fi
  $PY - "$name" "$start" "$end" "$dir/time.txt" "$LINES" "$complete" "$bytes" >>"$INGEST" <<'PYEOF'
import sys
name, start, end, timefile, lines, complete, nbytes = sys.argv[1:]
t = dict(l.strip().split(": ", 1) for l in open(timefile) if ": " in l)
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
wall = float(end) - float(start); lines = int(lines)
print("\t".join(map(str, [name, f"{wall:.2f}", f"{lines / wall:.0f}", f"{cpu * 1e6 / lines:.2f}",
                          f"{int(t['Maximum resident set size (kbytes)']) / 1024:.1f}", f"{int(nbytes) / lines:.1f}", complete])))
PYEOF
  tail -1 "$INGEST" >&2
}

echo "file: $DATA ($LINES lines); mock $URL" >&2
for run in $(seq "$RUNS"); do
  agent local local "$BIN" "$run"
  agent es-gz0 es-gz0 "$BIN" "$run"
  agent es-gz1 es-gz1 "$BIN" "$run"
  [[ -n "${BASELINE:-}" ]] && agent baseline-fts5 local "$BASELINE" "$run"
done

SUMMARY=$RESULTS_DIR/summary-$STAMP.txt
{
  echo "# logstore benchmark $STAMP: $LINES lines, $RUNS runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "## Ingestion: vigil agent tailing the standard file (medians)"
  $PY - "$INGEST" <<'PYEOF'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t"); rows.setdefault(f[0], []).append(f)
med = lambda n, i: statistics.median(float(r[i]) for r in rows[n])
print(f"{'sink':<15}{'runs':>5}{'wall s':>9}{'events/s':>11}{'CPU s/1M':>10}{'RSS MiB':>9}{'disk B/event':>14}{'complete':>10}")
for n in rows:
    print(f"{n:<15}{len(rows[n]):>5}{med(n,1):>9.2f}{med(n,2):>11.0f}{med(n,3):>10.2f}{med(n,4):>9.1f}{med(n,5):>14.1f}  {','.join(r[6] for r in rows[n])}")
if "local" in rows:
    for peer in ("es-gz0", "es-gz1", "baseline-fts5"):
        if peer in rows:
            print(f"local vs {peer}: CPU/1M x{med('local',3)/med(peer,3):.2f}, events/s x{med('local',2)/med(peer,2):.2f}, RSS x{med('local',4)/med(peer,4):.2f}")
PYEOF
} | tee "$SUMMARY" >&2
cp "$INGEST" "$RESULTS_DIR/ingest-$STAMP.tsv"

# 2. Search on a 10M-event store (the standard 1M-line file, STORE_REPEAT passes).
BASE=$OUT/logs-1000000.jsonl
[[ -s $BASE ]] || $PY "$SHARED/bench/gen_logs.py" --lines 1000000 --seed 42 --out "$BASE" >&2
STORE_LINES=$((1000000 * STORE_REPEAT))
STORE=$OUT/store-$STORE_LINES
rm -rf "$STORE"; mkdir -p "$STORE"
# The needle: the last part of the request id of the middle line (one event per pass).
NEEDLE=$(sed -n 500001p "$BASE" | $PY -c "import json,sys; print(json.load(sys.stdin)['request_id'].split('-')[-1])")
{
  echo
  echo "## Store filled through the store API with $STORE_LINES events (LogStoreBench fill, one process)"
  /usr/bin/time -v -o "$OUT/fill-time.txt" "$BENCH" fill "$STORE" "$BASE" "$STORE_REPEAT"
  echo "process_peak_rss_mib	$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$OUT/fill-time.txt")"
  echo "disk_bytes_per_event	$(du -sb "$STORE"/logs* | awk -v n="$STORE_LINES" '{s += $1} END {printf "%.1f", s / n}')"
  echo
  echo "## Search on $STORE_LINES events, in process, $SEARCH_RUNS runs each (needle $NEEDLE: $STORE_REPEAT events)"
  "$BENCH" search "$STORE" "$SEARCH_RUNS" "$NEEDLE"
  echo
  echo "## Search through \`vigil logs search\` (whole process: start, open, search, print), median of 5"
  cli() {
    local bin=$1 dir=$2; shift 2
    local times=()
    for _ in 1 2 3 4 5; do
      local s e; s=$(date +%s%N); "$bin/vigil" logs search --data-dir "$dir" --json "$@" >/dev/null; e=$(date +%s%N)
      times+=($(( (e - s) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
  }
  echo "store	query	median_ms"
  echo "new $STORE_LINES	word ($NEEDLE)	$(cli "$BIN" "$STORE" "$NEEDLE")"
  echo "new $STORE_LINES	word (timeout)	$(cli "$BIN" "$STORE" timeout)"
  echo "new $STORE_LINES	--level error --service ml-inference	$(cli "$BIN" "$STORE" --level error --service ml-inference)"
  if [[ -n "${BASELINE:-}" && -d $OUT/baseline-fts5-1/data && -d $OUT/local-1/data ]]; then
    N1=$(sed -n "$((LINES / 2 + 1))p" "$DATA" | $PY -c "import json,sys; print(json.load(sys.stdin)['request_id'].split('-')[-1])")
    for q in "$N1" timeout zanzibar; do
      echo "new $LINES (agent)	word ($q)	$(cli "$BIN" "$OUT/local-1/data" "$q")"
      echo "old FTS5 $LINES (agent)	word ($q)	$(cli "$BASELINE" "$OUT/baseline-fts5-1/data" "$q")"
    done
    echo "new $LINES (agent)	--level error --service ml-inference	$(cli "$BIN" "$OUT/local-1/data" --level error --service ml-inference)"
    echo "old FTS5 $LINES (agent)	--level error --service ml-inference	$(cli "$BASELINE" "$OUT/baseline-fts5-1/data" --level error --service ml-inference)"
  fi
} | tee -a "$SUMMARY" >&2
echo "summary: $SUMMARY" >&2
