# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the test suite needs (installed when running as root): sqlite3 for the
# store's own tests, bpftrace for the node agent's (real eBPF), util-linux for unshare, chromium
# for the web UI's (Playwright drives Debian's browser: its own download cannot work here),
# prometheus-alertmanager and prometheus for the alert intake's (real ones route and scrape),
# postgresql for the fleet store's, nftables for conntrack's (a real DNAT), clang, bpftool and
# libbpf-dev to build the libbpf loader's probes (`make bpf`; libbpf1 comes with bpftrace).
DEBIAN_PACKAGES := sqlite3 bpftrace util-linux chromium prometheus-alertmanager prometheus postgresql nftables clang bpftool libbpf-dev
# ...and what the benchmarks add: the C load generator.
BENCH_PACKAGES := gcc
# The libbpf loader's probes: one CO-RE object, built against this kernel's BTF (vmlinux.h) and
# relocated by libbpf wherever it is loaded.
BPF_SRC := src/crumbs/agent/probes/crumbs.bpf.c
BPF_OBJ := src/crumbs/agent/probes/crumbs.bpf.o
BPF_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

.PHONY: demo test venv lint bench clean fmt debian apt bpf bpf-if-possible krew screenshots

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

bpf: $(BPF_OBJ)

$(BPF_OBJ): $(BPF_SRC)
	@mkdir -p build
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > build/vmlinux.h
	clang -O2 -g -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Ibuild -c $(BPF_SRC) -o $@

# The object when this machine can build it (clang, bpftool, a kernel with BTF); else a note:
# `crumbs agent --loader auto` then uses bpftrace.
bpf-if-possible:
	@if command -v clang >/dev/null && command -v bpftool >/dev/null && [ -e /sys/kernel/btf/vmlinux ]; then \
	  $(MAKE) --no-print-directory bpf; \
	else echo "no clang/bpftool/BTF: not building the libbpf loader's probes (the agent uses bpftrace)"; fi

test: $(STAMP) debian bpf-if-possible
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP) debian bpf-if-possible
	@$(MAKE) --no-print-directory apt PACKAGES="$(BENCH_PACKAGES)"
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis $(BPF_OBJ)

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

# The krew plugin: an archive per platform (Crumbs' wheel and its dependencies' wheels for
# Python 3.11 and 3.12) and the manifest with their sha256 (dist/krew/; see README, Install).
krew: $(STAMP)
	$(BIN)/python scripts/krew.py

# The README's screenshots of the web UI, taken by the browser tests (Debian's chromium).
screenshots: $(STAMP) debian
	CRUMBS_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/serve/test_browser.py
