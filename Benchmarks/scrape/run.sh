#!/usr/bin/env bash
# The scrape Prometheus makes, Vigil against Debian's prometheus-pushgateway holding the same series.
#   Benchmarks/scrape/run.sh [SERIES] [ROUNDS] [--created-samples]   # defaults: 100000 series, 15 rounds
# (--created-samples: Vigil's OpenMetrics answer with a `_created` sample per counter and histogram, as with
# `server.metrics.created_samples: true`; the result files get a `-created` suffix.)
# Builds VigilBench in release mode (its own scratch path, .build-bench), starts pushgateway on a free loopback
# port without persistence, then VigilBench fills a registry with SERIES series (half counters with 3 labels,
# half histograms with 10 buckets, counted as Prometheus samples), pushes the same series into pushgateway,
# serves them through the agent's real HTTP server (VigilHTTPServer, in-process, 127.0.0.1) and times ROUNDS
# alternating scrapes of each kind from both. Results: Benchmarks/scrape/results/DATE-COMMIT.{md,tsv} (RESULTS_DIR to change).
set -euo pipefail
cd "$(dirname "$0")/../.."
series=${1:-100000}
rounds=${2:-15}
extra=()
suffix=""
if [[ "${3:-}" == "--created-samples" ]]; then extra=(--created-samples); suffix="-created"; fi

VIGIL_BENCHMARKS=1 swift build -c release --scratch-path .build-bench --product VigilBench

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
prometheus-pushgateway --web.listen-address="127.0.0.1:$port" --persistence.file="" --log.level=warn &
pushgateway=$!
trap 'kill "$pushgateway" 2>/dev/null || true; wait "$pushgateway" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1 && break
    sleep 0.1
done

commit=$(git rev-parse --short HEAD)
if ! git diff --quiet HEAD -- Sources Benchmarks/VigilBench; then commit="$commit-dirty"; fi
results=${RESULTS_DIR:-Benchmarks/scrape/results}
prefix="$results/$(date -u +%Y-%m-%d)-$commit$suffix"
mkdir -p "$results"
{
    echo "pushgateway: $(prometheus-pushgateway --version 2>&1 | head -1)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
} | tee "$prefix.env"
.build-bench/release/VigilBench --series "$series" --rounds "$rounds" \
    --compare-pushgateway "http://127.0.0.1:$port" --pushgateway-pid "$pushgateway" --results-prefix "$prefix" "${extra[@]}"
