# Sourced by run.sh and agent.sh: a private PostgreSQL on 127.0.0.1 in a temp dir (Debian's newest, fsync off),
# stopped and removed on exit. Sets bin, dir, port, url.
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d /tmp/vigil-pgbench-XXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
as_pg timeout 60 "$bin/initdb" -D "$dir/data" -U vigil -A trust -E UTF8 --no-sync --no-instructions >/dev/null
as_pg timeout 60 "$bin/pg_ctl" start -w -t 30 -D "$dir/data" -l "$dir/log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off" >/dev/null
pid="$(head -1 "$dir/data/postmaster.pid")"
trap 'kill -INT "$pid" 2>/dev/null || true; sleep 1; rm -rf "$dir"' EXIT
as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U vigil vigil
url="postgres://vigil@127.0.0.1:$port/vigil"
