#!/usr/bin/env python3
"""Loader of the OTLP benchmark: the same log lines sent to one running `vigil agent` as OTLP/HTTP protobuf
batches (POST /v1/logs on the OTLP port) and as NDJSON batches (POST /v1/logs on the API port), alternately,
ROUNDS times each. Every payload is encoded before the clock starts, so the loader's encoding is not measured.

Per phase it reports the wall time from the first request to the moment the embedded log store has committed
every event of the phase (vigil_local_store_events_total), and the agent's CPU (utime + stime of
/proc/PID/stat) over the same interval; logs/s and CPU seconds per 100k logs follow. Output: one JSON object
per phase on stdout.

  load.py --lines FILE --pid AGENT_PID --api http://127.0.0.1:P --otlp http://127.0.0.1:Q [--batch 500]
          [--rounds 3] [--connections 2]

Each NDJSON line becomes one OTLP LogRecord as an instrumented service would send it: `@timestamp` ->
time_unix_nano, `level` -> severity_text (+ severity_number), `message` -> a string body, `service` -> the
resource's service.name, every other field an attribute of its JSON type (string, int, double). Needs
opentelemetry-proto (a dependency of opentelemetry-exporter-otlp-proto-http).
"""
import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import sys
import time
import urllib.parse

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord

SEVERITY = {"TRACE": 1, "DEBUG": 5, "INFO": 9, "WARN": 13, "WARNING": 13, "ERROR": 17, "FATAL": 21}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def any_value(v):
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    return AnyValue(string_value=str(v))


def nanos(ts):
    return int(datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()) * 1_000_000_000 + int(ts[20:23]) * 1_000_000


def otlp_batch(lines):
    request = ExportLogsServiceRequest()
    by_service = {}
    for line in lines:
        doc = json.loads(line)
        service = str(doc.pop("service", "unknown"))
        if service not in by_service:
            rl = request.resource_logs.add()
            rl.resource.attributes.append(KeyValue(key="service.name", value=AnyValue(string_value=service)))
            by_service[service] = rl.scope_logs.add()
            by_service[service].scope.name = "bench"
        record = by_service[service].log_records.add()
        ts = doc.pop("@timestamp", None)
        if ts:
            record.time_unix_nano = nanos(ts)
        level = str(doc.pop("level", ""))
        record.severity_text = level
        record.severity_number = SEVERITY.get(level.upper(), 0)
        record.body.string_value = str(doc.pop("message", ""))
        for key, value in doc.items():
            record.attributes.append(KeyValue(key=key, value=any_value(value)))
    return request.SerializeToString()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def store_count(api):
    u = urllib.parse.urlparse(api)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    for line in text.splitlines():
        if line.startswith("vigil_local_store_events_total"):
            return int(float(line.split()[-1]))
    return 0


def send_all(base, path, content_type, payloads, connections):
    u = urllib.parse.urlparse(base)

    def worker(share):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        for body in share:
            while True:
                c.request("POST", path, body=body, headers={"Content-Type": content_type})
                r = c.getresponse()
                r.read()
                if r.status in (200, 202):
                    break
                if r.status == 503:
                    time.sleep(float(r.getheader("Retry-After", "1")))
                    continue
                raise RuntimeError(f"{base}{path}: HTTP {r.status}")
        c.close()

    shares = [payloads[i::connections] for i in range(connections)]
    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, shares))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lines", required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--api", required=True)
    p.add_argument("--otlp", required=True)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--connections", type=int, default=2)
    a = p.parse_args()

    with open(a.lines, "rb") as f:
        lines = [line.rstrip(b"\n") for line in f if line.strip()]
    batches = [lines[i:i + a.batch] for i in range(0, len(lines), a.batch)]
    t0 = time.time()
    ndjson = [b"\n".join(b) + b"\n" for b in batches]
    otlp = [otlp_batch(b) for b in batches]
    print(f"encoded {len(lines)} lines in {len(batches)} batches in {time.time() - t0:.1f} s: "
          f"NDJSON {sum(map(len, ndjson)) / len(lines):.0f} B/log, OTLP protobuf {sum(map(len, otlp)) / len(lines):.0f} B/log",
          file=sys.stderr)

    phases = [("ndjson", a.api, "application/x-ndjson", ndjson), ("otlp-protobuf", a.otlp, "application/x-protobuf", otlp)]
    for round_ in range(a.rounds):
        for name, base, content_type, payloads in (phases if round_ % 2 == 0 else phases[::-1]):
            before = store_count(a.api)
            cpu0 = cpu_seconds(a.pid)
            start = time.monotonic()
            send_all(base, "/v1/logs", content_type, payloads, a.connections)
            acked = time.monotonic() - start
            while store_count(a.api) < before + len(lines):
                time.sleep(0.02)
            wall = time.monotonic() - start
            cpu = cpu_seconds(a.pid) - cpu0
            print(json.dumps({"round": round_ + 1, "format": name, "logs": len(lines), "batch": a.batch,
                              "bytes_per_log": round(sum(map(len, payloads)) / len(lines), 1),
                              "acked_s": round(acked, 3), "stored_s": round(wall, 3),
                              "logs_per_s": round(len(lines) / wall), "cpu_s": round(cpu, 3),
                              "cpu_s_per_100k": round(cpu / len(lines) * 100_000, 3)}), flush=True)


if __name__ == "__main__":
    main()
