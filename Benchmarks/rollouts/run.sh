#!/usr/bin/env bash
# The figures of docs/rollouts.md: `vigil simulate` (the real engine on seeded synthetic traffic) next to a
# Flagger-style fixed-threshold policy on the same traffic. Outcomes do not depend on the build mode; a release
# build only makes them faster. Results: Benchmarks/rollouts/results/*.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
VIGIL=${VIGIL:-.build/release/vigil}
[ -x "$VIGIL" ] || swift build -c release --product vigil
OUT=Benchmarks/rollouts/results
mkdir -p "$OUT"
for n in 100 1000; do "$VIGIL" simulate --runs 2000 --requests-per-step $n --json > "$OUT/aa-$n.json"; done
"$VIGIL" simulate --runs 500 --requests-per-step 10000 --json > "$OUT/aa-10000.json"
for n in 100 1000 10000; do "$VIGIL" simulate --runs 500 --requests-per-step $n --champion-error-rate 0.005 --json > "$OUT/aa05-$n.json"; done
"$VIGIL" simulate --runs 200 --requests-per-step 10000 --challenger-error-rate 0.02 --json > "$OUT/err2x.json"
"$VIGIL" simulate --runs 200 --requests-per-step 10000 --champion-accuracy 0.9 --challenger-accuracy 0.85 --label-delay 1 \
  --fixed-min-accuracy 0.87 --json > "$OUT/acc-drop.json"
"$VIGIL" simulate --runs 200 --requests-per-step 10000 --champion-accuracy 0.8 --challenger-accuracy 0.88 --label-delay 1 \
  --primary-accuracy --fixed-min-accuracy 0.77 --json > "$OUT/acc-better.json"
"$VIGIL" simulate --runs 200 --steps 50,100 --requests-per-step 2000 --evaluations-per-step 20 --max-steps 20 --min-samples 100 \
  --champion-accuracy 0.8 --challenger-accuracy 0.88 --primary-accuracy --fixed-min-accuracy 0.77 --json > "$OUT/promote-50.json"
for f in "$OUT"/*.json; do
  python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("engine", "fixed_threshold"):
    s = d[k]
    print(f"{sys.argv[1].split('/')[-1]:16} {k:15} rollbacks {s['rollbacks']:5} promotions {s['promotions']:5} undecided {s['undecided']:5} "
          f"median challenger samples {s['median_challenger_samples']}")
PY
done
