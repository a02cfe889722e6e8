# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the test suite needs (installed when running as root): sqlite3 for the
# store's own tests, bpftrace for the node agent's (real eBPF), util-linux for unshare, chromium
# for the web UI's (Playwright drives Debian's browser: its own download cannot work here),
# prometheus-alertmanager and prometheus for the alert intake's (real ones route and scrape).
DEBIAN_PACKAGES := sqlite3 bpftrace util-linux chromium prometheus-alertmanager prometheus postgresql nftables
# ...and what the benchmarks add: the libbpf loader compared with bpftrace, the C load generator.
BENCH_PACKAGES := clang bpftool libbpf-dev gcc

.PHONY: demo test venv lint bench clean fmt debian apt

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/crumbs demo

debian:
	@$(MAKE) --no-print-directory apt PACKAGES="$(DEBIAN_PACKAGES)"

apt:
	@if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	else echo "not root: skipping Debian packages ($(PACKAGES))"; fi

test: $(STAMP) debian
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) debian
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_PACKAGES)"
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts
