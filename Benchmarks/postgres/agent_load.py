"""Load for agent.sh: starts `vigil agent` (local join, then storage.shared), posts N predictions and N labels over
HTTP, and measures until `vigil_model_labels_total{outcome="joined"}` reaches N. Stops only the agents it started."""
import argparse, http.client, os, re, signal, socket, subprocess, sys, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def joined(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics"); text = c.getresponse().read().decode()
    return sum(float(m.group(1)) for m in re.finditer(r'^vigil_model_labels_total\{[^}]*outcome="joined"[^}]*\} (\S+)', text, re.M))

def run(args, mode, round_no):
    work = os.path.join(args.work, f"{mode}-{round_no}"); os.makedirs(work)
    port = free_port()
    config = "models: [ { name: fraud } ]\n"
    if mode == "shared":
        config += f'storage:\n  shared: {{ url: "{args.url}", tls: {{ mode: disable }} }}\n'
    path = os.path.join(work, "vigil.yaml"); open(path, "w").write(config)
    if mode == "shared" and round_no == 0:
        subprocess.run([args.vigil, "db", "migrate", "--config", path], check=True, stdout=subprocess.DEVNULL)
    log = open(os.path.join(work, "agent.log"), "w")
    agent = subprocess.Popen([args.vigil, "agent", "--config", path, "--listen", f"127.0.0.1:{port}",
                              "--data-dir", os.path.join(work, "data")], stderr=log, stdout=log)
    try:
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/readyz")
                if c.getresponse().status == 200: break
            except OSError: pass
            if time.time() > deadline: sys.exit(f"agent not ready: see {work}/agent.log")
            time.sleep(0.1)
        prefix = f"{mode}{round_no}-"
        preds = [("".join('{"model":"fraud","variant":"v%d","request_id":"%s%d","prediction":"%d","score":0.%02d,"segment":{"country":"fr"}}\n'
                          % (3 + i % 2, prefix, i, i % 2, i % 100) for i in range(b, min(b + 1000, args.n)))).encode()
                 for b in range(0, args.n, 1000)]
        labels = [("".join('{"model":"fraud","request_id":"%s%d","label":"%d"}\n' % (prefix, i, (i // 3) % 2)
                           for i in range(b, min(b + 1000, args.n)))).encode() for b in range(0, args.n, 1000)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cpu0, t0 = cpu_seconds(agent.pid), time.perf_counter()
        for path_, bodies in (("/v1/predictions", preds), ("/v1/labels", labels)):
            for body in bodies:
                conn.request("POST", path_, body=body, headers={"Content-Type": "application/x-ndjson"})
                r = conn.getresponse(); r.read()
                if r.status != 202: sys.exit(f"{path_}: HTTP {r.status}")
        while joined(port) < args.n:
            if time.perf_counter() - t0 > 300: sys.exit(f"{mode}: not all labels joined in 300 s")
            time.sleep(0.05)
        wall, cpu = time.perf_counter() - t0, cpu_seconds(agent.pid) - cpu0
        return wall, cpu
    finally:
        agent.send_signal(signal.SIGTERM)
        try: agent.wait(20)
        except subprocess.TimeoutExpired: agent.kill()

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vigil"); p.add_argument("--url"); p.add_argument("--work")
    p.add_argument("--n", type=int); p.add_argument("--rounds", type=int)
    args = p.parse_args()
    for r in range(args.rounds):
        res = {}
        for mode in ("local", "shared"):
            wall, cpu = run(args, mode, r)
            res[mode] = (wall, cpu)
            print(f"round {r + 1} {mode:6}: {args.n / wall:9.0f} labels joined/s end to end ({args.n} predictions + {args.n} labels "
                  f"in {wall:.2f} s); agent CPU {cpu / args.n * 1e6:.1f} µs per joined label", flush=True)
        (lw, lc), (sw, sc) = res["local"], res["shared"]
        print(f"round {r + 1} shared / local: throughput {lw / sw:.2f}, CPU per label {sc / lc:.2f}", flush=True)

main()
