# Vigil — the two commands a newcomer needs:
#   make demo   a canary rollout of a model, degraded and rolled back by the agent live, in about two minutes
#               (make demo ARGS=--prometheus: with Prometheus and Alertmanager)
#   make test   run every test (unit, storage, shipping, integration with a real Prometheus)
# Both install missing system packages first (apt-get; sudo when not root) and build.

SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev zlib1g-dev libisal-dev libsnappy-dev prometheus prometheus-alertmanager openssl curl ca-certificates python3 python3-venv postgresql
REVISION := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
export VIGIL_REVISION := $(REVISION)

.PHONY: deps build release test demo bench clean prometheusrule

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6.3 is required (https://swift.org/install)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Every test. Integration tests start the built binaries, a real Prometheus and promtool on 127.0.0.1.
test: build
	$(SWIFT) test --no-parallel 2>&1 | tee .test-output.log; exit $${PIPESTATUS[0]}
	./scripts/check-deploy.sh

# docker/kubernetes/prometheusrule.yaml from alerts/*.rules.yml (scripts/check-deploy.sh fails when it is stale).
prometheusrule:
	./scripts/check-deploy.sh --setup-only
	.venv-deploy/bin/python scripts/render-prometheusrule.py

demo: build
	./scripts/demo.sh $(ARGS)

# Every benchmark with modest sizes (BENCH="gzip ingest" for some; BENCH= to list them): see docs/benchmarks.md.
BENCH ?= all
bench: deps
	./Benchmarks/run-all.sh $(BENCH)

clean:
	rm -rf .build vigil-data
