#!/usr/bin/env bash
# Shared label join benchmark: a private PostgreSQL on 127.0.0.1 (Debian's, in a temp dir, fsync off), then
#   1. PostgresBench (release): record BATCH predictions + join their labels, CONCURRENCY tasks, SECONDS seconds;
#   2. pgbench, the peer, running the same two statements (INSERT … SELECT, DELETE … USING … RETURNING) with the same
#      batch size and as many clients.
# Usage: Benchmarks/postgres/run.sh [SECONDS] [BATCH] [CONCURRENCY]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:-10}" batch="${2:-100}" conc="${3:-4}"
swift build -c release --package-path "$here" --scratch-path "$here/.build" >&2
. "$here/pg.sh"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (fsync off); $(nproc) cores"
"$here/.build/release/PostgresBench" "$url" "$seconds" "$batch" "$conc"
# The same work for pgbench: one payload of the size Vigil writes, BATCH keys per statement.
payload='{"model":"fraud","modelVersion":"2026-12-01","prediction":"1","receivedAtMillis":1765000000000,"requestID":"x","score":0.87,"segment":{"country":"fr","device":"ios"},"variant":"v3"}'
cat > "$dir/join.sql" <<SQL
\set base random(1, 1000000000)
INSERT INTO vigil_pending_predictions(model, request_id, variant, payload, expires_at_ms) SELECT 'fraud', 'p' || :client_id || '-' || :base || '-' || g, 'v3', '$payload', 9000000000000 FROM generate_series(1, $batch) g ON CONFLICT (model, request_id, variant) DO UPDATE SET payload = excluded.payload;
DELETE FROM vigil_pending_predictions p USING (SELECT 'fraud' AS model, 'p' || :client_id || '-' || :base || '-' || g AS request_id FROM generate_series(1, $batch) g) k WHERE p.model = k.model AND p.request_id = k.request_id RETURNING p.payload, p.expires_at_ms;
SQL
out="$(/usr/bin/time -f '%U %S' "$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U vigil -c "$conc" -j 1 -T "$seconds" -M prepared -f "$dir/join.sql" vigil 2>"$dir/time")"
tps="$(echo "$out" | awk '/^tps/ {print $3; exit}')"
cpu="$(tail -1 "$dir/time" | awk '{print $1 + $2}')"
python3 - "$tps" "$cpu" "$seconds" "$batch" "$conc" <<'PY'
import sys
tps, cpu, secs, batch, conc = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
joins = tps * batch
print(f"pgbench: {joins:.0f} joins/s (each with its prediction recorded); CPU {cpu / (joins * secs) * 1e6:.1f} µs per join; batch {batch}, {conc} clients")
PY
