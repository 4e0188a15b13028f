#!/usr/bin/env bash
# The label join end to end through one agent: N predictions, then their N labels, over HTTP (NDJSON batches of
# 1,000) into a release `vigil agent`, alternating in the same run between the default join (in the agent, SQLite)
# and fleet mode (storage.shared: outbox in vigil.db, drained to a private PostgreSQL on 127.0.0.1, fsync off).
# Reports the wall time until every label is joined and the agent's CPU per joined label, and the ratio of the two
# modes per round.
# Usage: Benchmarks/postgres/agent.sh [N] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n="${1:-100000}" rounds="${2:-3}"
swift build -c release --package-path "$root" --product vigil >&2
. "$here/pg.sh"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (fsync off); $(nproc) cores; N=$n"
python3 "$here/agent_load.py" --vigil "$root/.build/release/vigil" --url "$url" --n "$n" --rounds "$rounds" --work "$dir"
