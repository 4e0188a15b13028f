#!/usr/bin/env python3
"""Serves /metrics for AGENTS fake Vigil agents, one loopback port each, with the rollout evidence families of
ROLLOUTS models (champion and challenger): counters that grow with wall time, as a fleet's would.

Usage: fleet_targets.py AGENTS ROLLOUTS PORTFILE   (writes the ports, one a line, then serves until killed)
"""
import http.server, socketserver, sys, threading, time

agents, rollouts, portfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
start = time.time()

def render(agent):
    t = time.time() - start
    out = []
    fams = {}
    for m in range(rollouts):
        for v, (rate, err) in (("v1", (10.0, 0.010)), ("v2", (10.0, 0.011))):
            lab = f'model="m{m}",variant="{v}"'
            req = int(t * rate) + agent
            fams.setdefault("vigil_rollout_requests_total", []).append(f"vigil_rollout_requests_total{{{lab}}} {req}")
            fams.setdefault("vigil_rollout_request_errors_total", []).append(f"vigil_rollout_request_errors_total{{{lab}}} {int(req * err)}")
            fams.setdefault("vigil_rollout_labels_total", []).append(f"vigil_rollout_labels_total{{{lab}}} {req // 2}")
            fams.setdefault("vigil_rollout_labels_correct_total", []).append(f"vigil_rollout_labels_correct_total{{{lab}}} {int(req // 2 * 0.9)}")
            h = fams.setdefault("vigil_rollout_request_duration_seconds", [])
            for i, b in enumerate(bounds):
                h.append(f'vigil_rollout_request_duration_seconds_bucket{{{lab},le="{b}"}} {int(req * min(1.0, 0.3 + 0.07 * i))}')
            h.append(f'vigil_rollout_request_duration_seconds_bucket{{{lab},le="+Inf"}} {req}')
            h.append(f"vigil_rollout_request_duration_seconds_sum{{{lab}}} {req * 0.03:.3f}")
            h.append(f"vigil_rollout_request_duration_seconds_count{{{lab}}} {req}")
    types = {"vigil_rollout_request_duration_seconds": "histogram"}
    for name, lines in fams.items():
        out.append(f"# TYPE {name} {types.get(name, 'counter')}")
        out.extend(lines)
    return ("\n".join(out) + "\n").encode()

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = render(self.server.agent)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

servers = []
for a in range(agents):
    s = Server(("127.0.0.1", 0), Handler)
    s.agent = a
    servers.append(s)
    threading.Thread(target=s.serve_forever, daemon=True).start()
with open(portfile + ".tmp", "w") as f:
    f.write("\n".join(str(s.server_address[1]) for s in servers) + "\n")
import os
os.rename(portfile + ".tmp", portfile)
while True:
    time.sleep(3600)
