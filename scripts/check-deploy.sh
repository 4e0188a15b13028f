#!/usr/bin/env bash
# Static checks of docker/ (Dockerfile, compose.yaml, kubernetes/), run by `make test` after `swift test`.
# Installs the pinned validators of docker/check-requirements.txt from PyPI into .venv-deploy/ (gitignored) the
# first time, then runs scripts/check-deploy.py and its self-test (broken copies must fail).
# No Docker engine or cluster is used. Usage: scripts/check-deploy.sh [--no-self-test] [--setup-only] [--vigil BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-deploy
REQUIREMENTS=docker/check-requirements.txt
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REQUIREMENTS"
  echo "$want" > "$stamp"
fi
self_test=--self-test
args=()
for a in "$@"; do
  case "$a" in
    --no-self-test) self_test="" ;;
    --setup-only) exit 0 ;;
    *) args+=("$a") ;;
  esac
done
exec "$VENV/bin/python" scripts/check-deploy.py $self_test "${args[@]}"
