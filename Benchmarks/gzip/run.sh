#!/usr/bin/env bash
# gzip libraries on bulk bodies shaped like the shipper's: an action line and the document with the ECS fields
# Vigil adds, for the first LINES lines of the standard log file; 1,000 documents per request body.
#   Benchmarks/gzip/run.sh            (needs gcc, zlib1g-dev, libisal-dev)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LINES=${LINES:-200000}
OUT=${OUT:-$ROOT/bench-out/gzip}
mkdir -p "$OUT"
DATA=$OUT/logs-$LINES.jsonl
[[ -s $DATA ]] || python3 "${SHARED:-$ROOT/../shared}/bench/gen_logs.py" --lines "$LINES" --seed 42 --out "$DATA"
BODY=$OUT/bulk-$LINES.ndjson
[[ -s $BODY ]] || python3 - "$DATA" "$BODY" <<'PY'
import base64, hashlib, json, sys
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "wb") as out:
    for i, line in enumerate(src):
        line = line.rstrip(b"\n")
        doc = line.replace(b'"service":', b'"service.name":', 1)
        level = json.loads(line)["level"].encode()
        doc = doc[:-1] + b',"log.level":"' + level + b'","event.dataset":"vigil.logs","ecs.version":"8.11.0","host.name":"bench-host-1"}'
        ident = base64.urlsafe_b64encode(hashlib.sha256(b"%d" % i).digest())[:15]
        out.write(b'{"create":{"_id":"' + ident + b'"}}\n' + doc + b"\n")
PY
gcc -O2 "$ROOT/Benchmarks/gzip/gzbench.c" -o "$OUT/gzbench" -lz -lisal
"$OUT/gzbench" "$BODY"
