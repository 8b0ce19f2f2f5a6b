# `make demo` and `make test` set up .venv when needed, then do their job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: brokers demo demo-realtime test lint typecheck unit docs bench conformance clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Bytecode now, as pip does for an installed wheel: start-up never pays compiling.
	$(BIN)/python -m compileall -q arazzo_engine > /dev/null
	touch $(STAMP)

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]'
	touch $(BENCH_STAMP)

demo: $(STAMP)
	$(BIN)/python fixtures/fal/demo.py

# fal realtime inference over a WebSocket (Arazzo 1.1 message steps), frames printed live.
demo-realtime: $(STAMP)
	$(BIN)/python fixtures/fal/demo_realtime.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check arazzo_engine

typecheck: $(STAMP)
	$(BIN)/mypy

# Message steps are tested against real brokers (Mosquitto, NATS, RabbitMQ), from
# Debian's packages: installed here when missing and we may (root), else named.
BROKERS := mosquitto nats-server rabbitmq-server

brokers:
	@missing=""; for b in $(BROKERS); do \
		command -v $$b >/dev/null 2>&1 || [ -x /usr/sbin/$$b ] || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing brokers for the message step tests:$$missing"; \
			apt-get update -q >/dev/null && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BROKERS) >/dev/null; \
		else echo "the message step tests need:$$missing (apt-get install$$missing)"; exit 1; fi; \
	fi

# Both cores, each test module whole in one process (its module fixtures, brokers, clusters).
unit: $(STAMP) brokers
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# The docs build runs when MkDocs is in .venv (the dev and docs extras install it).
docs: $(STAMP)
	@if [ -x $(BIN)/mkdocs ]; then $(BIN)/mkdocs build --strict --quiet; \
	else echo "mkdocs not installed in $(VENV): docs build skipped (pip install -e '.[docs]')"; fi

test: lint typecheck unit docs

# Benchmarks are run by hand, never as timed tests: each prints its figures and
# the ratio to its baseline measured in the same run; the run ends with one table
# of them all (also written to bench/last-run.md, which git ignores).
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run_all.py --markdown bench/last-run.md

# The conformance scoreboard reads the shared corpora (../shared by default), which a
# fresh clone lacks, so it stays out of `make test`; `make conformance SHARED=DIR`.
SHARED ?= ../shared

conformance: $(STAMP)
	$(BIN)/python -m tests.conformance --shared $(SHARED) --markdown docs/conformance.md

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
