#!/usr/bin/env bash
# Model monitor input benchmark: N generated prediction events (+ labels for half of them), parsed and observed
# by the pure ModelMonitor, with the core's MonitorEventParser and with the JSONSerialization parsing it replaced
# (Foundation, as ModelMonitorService did before), alternating in one process. Usage: Benchmarks/monitor/run.sh [N] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
swift build -c release --package-path "$here" --scratch-path "$here/.build" >&2
"$here/.build/release/MonitorBench" "${1:-100000}" "${2:-5}"
