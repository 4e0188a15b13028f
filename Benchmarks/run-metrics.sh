#!/usr/bin/env bash
# Builds the metrics benchmark in release mode (with swift-prometheus 2.4.1 linked) and runs it.
#   Benchmarks/run-metrics.sh                      # render + registration, Vigil vs swift-prometheus
#   Benchmarks/run-metrics.sh --scrape-url http://127.0.0.1:9750/metrics   # also time whole HTTP scrapes
# The release build with swift-prometheus takes several minutes the first time; it uses its own scratch
# path (.build-bench) so it does not disturb the debug build in .build.
set -euo pipefail
cd "$(dirname "$0")/.."
VIGIL_BENCHMARKS=1 swift build -c release --scratch-path .build-bench --product VigilBench
exec .build-bench/release/VigilBench "$@"
