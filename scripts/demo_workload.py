#!/usr/bin/env python3
"""Demo workload for `make demo`: an inference service's request logs, predictions and delayed labels,
posted to a running Vigil agent over HTTP (loopback only), for a bounded time."""
import argparse, json, random, time, urllib.request, uuid, datetime

def post(url, lines, token=None):
    body = ("\n".join(json.dumps(l, separators=(",", ":")) for l in lines) + "\n").encode()
    headers = {"Content-Type": "application/x-ndjson"}
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except Exception as e:  # keep going: the demo shows back-pressure and errors in the agent's metrics
        return str(e)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9750")
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--rate", type=int, default=50, help="requests per second")
    ap.add_argument("--token-file", help="file holding a bearer token with the ingest role (agents with auth.tokens)")
    a = ap.parse_args()
    token = open(a.token_file).read().strip() if a.token_file else None
    assert a.url.startswith("http://127.0.0.1") or a.url.startswith("http://localhost"), "loopback only"
    rng = random.Random(42)
    pending = []
    end = time.time() + a.seconds
    tick = 0
    while time.time() < end:
        tick += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        logs, preds = [], []
        drift = min(0.4, tick / 600)  # the challenger slowly gets worse, so quality decays over the demo
        for _ in range(a.rate):
            rid = str(uuid.UUID(int=rng.getrandbits(128)))
            variant = "canary" if rng.random() < 0.2 else "stable"
            amount = rng.lognormvariate(3.5 + (drift if variant == "canary" else 0), 1.0)
            score = min(0.999, max(0.001, rng.betavariate(2, 8) + (0.3 if amount > 150 else 0)))
            truth = "fraud" if rng.random() < score * (1 - (drift if variant == "canary" else 0)) else "legit"
            status = 500 if rng.random() < 0.01 else 200
            latency = rng.lognormvariate(3.0, 0.5)
            ts = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
            logs.append({"@timestamp": ts, "level": "ERROR" if status == 500 else "INFO", "service": "fraud-api",
                         "route": "/v1/predict", "method": "POST", "status": status, "latency_ms": round(latency, 3),
                         "request_id": rid, "user_email": "customer%d@example.com" % rng.randint(1, 999),
                         "message": "feature store timeout" if status == 500 else "prediction served"})
            preds.append({"@timestamp": ts, "model": "fraud-detector", "model_version": "4" if variant == "canary" else "3",
                          "variant": variant, "request_id": rid, "prediction": "fraud" if score > 0.5 else "legit",
                          "score": round(score, 4), "features": {"amount": round(amount, 2), "country": rng.choice(["DE", "FR", "CN", "US"])},
                          "segment": {"region": rng.choice(["eu", "us", "apac"])}})
            pending.append((time.time() + rng.uniform(2, 10), {"type": "label", "model": "fraud-detector", "request_id": rid, "label": truth}))
        post(a.url + "/v1/logs", logs, token)
        post(a.url + "/v1/predictions", preds, token)
        due = [p for p in pending if p[0] <= time.time()]
        pending = [p for p in pending if p[0] > time.time()]
        if due:
            post(a.url + "/v1/labels", [p[1] for p in due], token)
        time.sleep(1)

if __name__ == "__main__":
    main()
