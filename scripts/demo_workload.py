#!/usr/bin/env python3
"""The synthetic side of `make demo` (scripts/demo.sh), three subcommands, standard library only, loopback only:

  reference  writes reference data of the model (CSV) for `vigil profile build`;
  run        an inference service `fraud-api` serving the model `fraud-detector` in two variants, v3 (champion)
             and v4 (challenger): each request is assigned with Vigil's documented rule (SHA-256 of salt:unit,
             at the rollout's current weight, read from the agent once a second), and posts its request log,
             its prediction and, 2-8 s later, its label. After --degrade-after seconds v4 degrades: more errors,
             slower, less accurate, and its feature pipeline sends `amount` in the wrong unit (a drift);
  watch      one status line a second from the agent's API (`/metrics`, `/v1/rollouts/M`) until the rollout
             is rolled back or promoted, then the decision, its reason and the audit record.
"""
import argparse, csv, datetime, hashlib, json, math, os, random, sys, time, urllib.error, urllib.request

MODEL = "fraud-detector"
# The variants (--champion, --challenger). The defaults are those of docker/compose.yaml's stack; make demo uses v3, v4.
CHAMPION, CHALLENGER = "stable", "canary"


def loopback(url):
    if not (url.startswith("http://127.0.0.1") or url.startswith("http://localhost")):
        sys.exit("demo_workload.py: loopback URLs only, got " + url)
    return url.rstrip("/")


class Agent:
    """The agent's HTTP API with a bearer token read from a file."""

    def __init__(self, url, token_file):
        self.url = loopback(url)
        self.token = open(token_file).read().strip() if token_file else None

    def request(self, method, path, body=None, content_type="application/x-ndjson"):
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()

    def get_json(self, path):
        """The answer's JSON; None when refused (HTTP error) or unreadable; raises ConnectionError when unreachable."""
        try:
            return json.loads(self.request("GET", path)[1])
        except urllib.error.HTTPError:
            return None
        except urllib.error.URLError as e:
            raise ConnectionError(str(e.reason))
        except (OSError, ValueError):
            return None

    def post_lines(self, path, lines):
        body = ("\n".join(json.dumps(l, separators=(",", ":")) for l in lines) + "\n").encode()
        try:
            return self.request("POST", path, body)[0]
        except urllib.error.HTTPError as e:
            return e.code
        except OSError as e:  # keep going: back-pressure and errors show in the agent's metrics
            return str(e)


# ---------------------------------------------------------------------------------------------- the model

COUNTRIES = ["DE", "FR", "US", "GB", "CN", "BR"]


def features(rng):
    return {"amount": round(rng.lognormvariate(3.5, 1.0), 2), "country": rng.choice(COUNTRIES)}


def truth_of(rng, f):
    return "fraud" if rng.random() < (0.35 if f["amount"] > 150 else 0.08) else "legit"


def predict(rng, truth, accuracy):
    """A classifier right with probability `accuracy`; its score is the fraud probability it reports."""
    right = rng.random() < accuracy
    fraud = (truth == "fraud") == right
    score = rng.uniform(0.55, 0.98) if fraud else rng.uniform(0.02, 0.45)
    return ("fraud" if fraud else "legit"), round(score, 4)


def reference(a):
    rng = random.Random(a.seed)
    with open(a.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["amount", "country", "score", "prediction", "label"])
        for _ in range(a.rows):
            x = features(rng)
            truth = truth_of(rng, x)
            prediction, score = predict(rng, truth, 0.92)
            w.writerow([x["amount"], x["country"], score, prediction, truth])


# ----------------------------------------------------------------------------------------- the workload

def bucket(salt, unit):
    """Vigil's assignment rule (docs/rollouts.md, Assignment): the challenger gets buckets below weight × 100."""
    return int.from_bytes(hashlib.sha256(f"{salt}:{unit}".encode()).digest()[:8], "big") % 10000


def run(a):
    agent = Agent(a.url, a.token_file)
    rng = random.Random(a.seed)
    pending, start = [], time.time()
    end, degrade_at, degraded = start + a.seconds, start + a.degrade_after, False
    # The rollout's weight when the token may read it (GET /v1/rollouts/M needs viewer), else the fixed --split.
    weight, salt = a.split, f"{MODEL}/{CHALLENGER}"
    unreachable = 0
    while time.time() < end:
        tick = time.time()
        try:
            status, unreachable = agent.get_json(f"/v1/rollouts/{MODEL}"), 0
        except ConnectionError:
            status, unreachable = None, unreachable + 1
            if unreachable >= 10:
                sys.exit("demo_workload.py: the agent has not answered for 10 s; stopping")
        if status:
            weight = float(status.get("weight", 0))
            salt = f"{status.get('model', MODEL)}/{status.get('challenger', CHALLENGER)}"
        if not degraded and tick >= degrade_at:
            degraded = True
            if a.data_dir:
                with open(os.path.join(a.data_dir, "degraded_at"), "w") as f:
                    f.write(str(int(tick * 1000)))
            print(f"\n>>> {CHALLENGER} degrades now: 3% of its requests fail, it is 40% slower, its accuracy falls from "
                  f"0.93 to 0.80, and its feature pipeline doubles `amount` (a unit bug: drift)", flush=True)
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        logs, predictions = [], []
        for _ in range(a.rate):
            user = "user-%d" % rng.randrange(1_000_000)
            rid = "%032x" % rng.getrandbits(128)
            variant = CHALLENGER if bucket(salt, user) < round(weight * 100) else CHAMPION
            bad = degraded and variant == CHALLENGER
            error_rate, latency_scale, accuracy = (0.03, 1.4, 0.80) if bad else (0.005, 1.0, 0.92 if variant == CHAMPION else 0.93)
            failed = rng.random() < error_rate
            latency = rng.lognormvariate(math.log(40), 0.35) * latency_scale
            logs.append({"@timestamp": now, "level": "ERROR" if failed else "INFO", "service": "fraud-api",
                         "route": "/v1/predict", "method": "POST", "status": 500 if failed else 200,
                         "latency_ms": round(latency, 3), "model": MODEL, "variant": variant, "request_id": rid,
                         "user_email": "customer%d@example.com" % rng.randint(1, 999),
                         "message": f"model {variant} inference failed: feature store timeout" if failed else "prediction served"})
            if failed:
                continue
            x = features(rng)
            truth = truth_of(rng, x)
            prediction, score = predict(rng, truth, accuracy)
            if bad:
                x = {"amount": round(x["amount"] * 2, 2), "country": x["country"]}  # a unit bug in v4's pipeline
            predictions.append({"@timestamp": now, "model": MODEL, "variant": variant, "request_id": rid,
                                "prediction": prediction, "score": score, "features": x,
                                "segment": {"region": rng.choice(["eu", "us", "apac"])}})
            pending.append((tick + rng.uniform(2, 8), {"model": MODEL, "request_id": rid, "label": truth}))
        agent.post_lines("/v1/logs", logs)
        agent.post_lines("/v1/predictions", predictions)
        due = [p for p in pending if p[0] <= time.time()]
        pending = [p for p in pending if p[0] > time.time()]
        if due:
            agent.post_lines("/v1/labels", [p[1] for p in due])
        time.sleep(max(0.0, 1.0 - (time.time() - tick)))


# -------------------------------------------------------------------------------------------- the watcher

def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            try:
                total += float(line.rsplit(" ", 1)[1])
            except ValueError:
                pass
    return total


def metric_value(text, name, **labels):
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            try:
                return float(line.rsplit(" ", 1)[1])
            except ValueError:
                return None
    return None


def share(p):
    return "  -  " if p is None else f"{p * 100:.1f}%"


def interval(p, n):
    """p ± the 95 % normal half-width, in points (a per-variant view; decisions use always-valid intervals)."""
    if p is None or not n:
        return "  -  "
    return f"{p * 100:.1f}±{1.96 * math.sqrt(max(p * (1 - p), 1e-12) / n) * 100:.1f}%"


def describe(status, metrics_text, rate):
    ev = status.get("lastEvaluation") or {}
    g = {c.get("metric"): c for c in ev.get("guardrails", [])}
    steps = status.get("steps") or []
    step = status.get("step")
    where = f"step {step + 1}/{len(steps)}" if step is not None and status.get("state") == "running" else status.get("state", "?")
    parts = [f"{rate:5.0f} ev/s", f"{where} {CHALLENGER} at {status.get('weight', 0):g}%"]
    verdicts = "".join({"pass": "+", "fail": "X", "pending": "?", "noData": "."}.get(c.get("verdict"), "?")
                       for c in ev.get("guardrails", []))
    parts.append(f"{ev.get('decision', 'no evaluation yet')}" + (f" [{verdicts}]" if verdicts else ""))
    err = g.get("error_rate")
    if err:
        parts.append(f"errors {CHAMPION} {share(err.get('championValue'))} {CHALLENGER} {share(err.get('challengerValue'))}")
    slow = next((c for name, c in g.items() if name and name.startswith("latency")), None)
    if slow:
        parts.append(f"slow {CHAMPION} {share(slow.get('championValue'))} {CHALLENGER} {share(slow.get('challengerValue'))}")
    acc = g.get("accuracy")
    if acc:
        parts.append(f"accuracy {CHAMPION} {interval(acc.get('championValue'), acc.get('championCount'))} "
                     f"{CHALLENGER} {interval(acc.get('challengerValue'), acc.get('challengerCount'))}")
    drift = next((c for name, c in g.items() if name and name.startswith("drift")), None)
    model_psi = metric_value(metrics_text, "vigil_feature_drift", model=MODEL, feature="amount", method="psi")
    if drift or model_psi is not None:
        v = lambda x: "-" if x is None else f"{x:.2f}"
        parts.append(f"PSI(amount) {CHAMPION} {v(drift and drift.get('championValue'))} "
                     f"{CHALLENGER} {v(drift and drift.get('challengerValue'))} all {v(model_psi)}")
    return " | ".join(parts)


def watch(a):
    agent = Agent(a.url, a.token_file)
    tty = sys.stdout.isatty()
    every = 1.0 if tty else a.plain_every
    start = time.time()
    samples, last_print = [], 0.0  # (time, events received) over the last 5 s: the rate is their slope
    status = None
    while time.time() - start < a.seconds:
        t = time.time()
        try:
            metrics_text = urllib.request.urlopen(agent.url + "/metrics", timeout=5).read().decode()
        except OSError:
            metrics_text = ""
        try:
            status = agent.get_json(f"/v1/rollouts/{MODEL}") or {}
        except ConnectionError:
            status = {}
        events = metric_sum(metrics_text, "vigil_events_received_total")
        samples = [x for x in samples if t - x[0] <= 5.5] + [(t, events)]
        rate = (events - samples[0][1]) / (t - samples[0][0]) if t > samples[0][0] else 0.0
        state = status.get("state")
        decided = state in ("rolled_back", "promoted")
        if decided or t - last_print >= every - 0.05:
            line = f"[{t - start:4.0f}s] " + describe(status, metrics_text, rate)
            if tty:
                width = os.get_terminal_size().columns if sys.stdout.isatty() else 200
                sys.stdout.write("\r\033[K" + line[: width - 1])
            else:
                sys.stdout.write(line + "\n")
            sys.stdout.flush()
            last_print = t
        if decided:
            break
        time.sleep(max(0.0, 1.0 - (time.time() - t)))
    if tty:
        sys.stdout.write("\n")
    state = (status or {}).get("state")
    if state not in ("rolled_back", "promoted"):
        print(f"no decision within {a.seconds:.0f} s: the rollout is {state}")
        return 1
    verdict = agent.get_json(f"/v1/rollouts/{MODEL}/verdict") or {}
    audit = (agent.get_json(f"/v1/audit?model={MODEL}&limit=10") or {}).get("entries", [])
    entry = next((e for e in audit if e.get("action") in ("rollback", "promote")), {})
    at = entry.get("timeMillis")
    if at and a.data_dir:
        with open(os.path.join(a.data_dir, "decided_at"), "w") as f:
            f.write(str(at))
    when = datetime.datetime.fromtimestamp(at / 1000, datetime.timezone.utc).strftime("%H:%M:%S UTC") if at else "?"
    action = "ROLLED BACK" if state == "rolled_back" else "PROMOTED"
    print(f"{action}: {MODEL} {CHALLENGER} -> {status.get('weight', 0):g}% by {entry.get('actor', '?')} at {when}")
    print(f"  reason: {entry.get('reason') or verdict.get('reason', '?')}")
    for name, v in sorted((verdict.get("guardrails") or {}).items()):
        print(f"  guardrail {name}: {v}")
    try:
        degraded = int(open(os.path.join(a.data_dir or ".", "degraded_at")).read())
    except (OSError, ValueError):
        degraded = None
    if at and degraded:
        print(f"rolled back {(at - degraded) / 1000:.0f} s after the challenger degraded" if state == "rolled_back"
              else f"promoted {(at - degraded) / 1000:.0f} s after the challenger degraded")
    return 0 if state == "rolled_back" else 1


def parse(ap, argv):
    global CHAMPION, CHALLENGER
    a = ap.parse_args(argv)
    CHAMPION, CHALLENGER = a.champion, a.challenger
    return a


def main():
    # `run` is the default, so `demo_workload.py --url U --seconds S --rate R --token-file F` (docker/compose.yaml)
    # keeps working and `--help` lists its options; `reference` and `watch` are named.
    argv = sys.argv[1:]
    command = argv.pop(0) if argv and argv[0] in ("run", "reference", "watch") else "run"
    ap = argparse.ArgumentParser(prog=f"demo_workload.py {command}" if command != "run" else "demo_workload.py [run]",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if command == "reference":
        ap.add_argument("--out", required=True)
        ap.add_argument("--rows", type=int, default=5000)
        ap.add_argument("--seed", type=int, default=7)
        reference(ap.parse_args(argv))
        return
    ap.add_argument("--url", default="http://127.0.0.1:9750")
    ap.add_argument("--token-file", help="bearer token (run: ingest, plus viewer to follow the rollout's weight; watch: viewer)")
    ap.add_argument("--data-dir", help="the demo's data dir: degraded_at and decided_at are written and read there")
    ap.add_argument("--seconds", type=float, default=600 if command == "run" else 180, help="stop after this long")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--champion", default=CHAMPION, help="the champion's variant name")
    ap.add_argument("--challenger", default=CHALLENGER, help="the challenger's variant name")
    if command == "run":
        ap.add_argument("--split", type=float, default=20,
                        help="challenger percent when the rollout's weight cannot be read (a token without viewer)")
        ap.add_argument("--rate", type=int, default=200, help="requests per second")
        ap.add_argument("--degrade-after", type=float, default=50, help="seconds until v4 degrades")
        try:
            run(parse(ap, argv))
        except KeyboardInterrupt:
            pass
    else:
        ap.add_argument("--plain-every", type=float, default=5, help="seconds between lines when not a TTY")
        try:
            sys.exit(watch(parse(ap, argv)))
        except KeyboardInterrupt:
            sys.exit(130)


if __name__ == "__main__":
    main()
