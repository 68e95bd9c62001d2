PY ?= .venv/bin/python

.PHONY: all install lint types test faketime bench bench-quick bench-pg fmt

all: lint types test

install:
	python3 -m venv .venv
	$(PY) -m pip install -q -e '.[dev]'

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

types:
	$(PY) -m mypy

test:
	$(PY) -m pytest -q

# The suite again with the wall clock on a weekend at year end and on two DST nights.
faketime:
	$(PY) -m tests.faketime_suite

# Every fan-out benchmark (over an hour on 2 cores; figures in docs/benchmarks.md):
# bench/fanout_real.py, the real Slack and Discord adapters at 400, 2,000 and 10,000 channels
# per platform, each with bench/fanout.py (thin client) as the same-session reference; then
# bench/pg_fanout.py at 10,000 channels with 1, 2 and 4 worker processes, thin client and
# real Discord adapter (needs PAPERBOT_BENCH_POSTGRES_URL; skipped without it).
bench:
	$(PY) bench/search.py
	$(PY) bench/fanout_real.py --channels 400 2000 10000
	$(MAKE) bench-pg PG_CHANNELS=10000

# The same at 400 and 2,000 channels, PostgreSQL at 1,000 (about 10 minutes).
bench-quick:
	$(PY) bench/fanout_real.py --channels 400 2000
	$(MAKE) bench-pg PG_CHANNELS=1000

PG_CHANNELS ?= 1000
bench-pg:
	@if [ -z "$$PAPERBOT_BENCH_POSTGRES_URL" ]; then \
		echo "bench/pg_fanout.py skipped: set PAPERBOT_BENCH_POSTGRES_URL"; \
	else \
		$(PY) bench/pg_fanout.py --channels $(PG_CHANNELS) \
			--out bench/results/pg_fanout_thin_$(PG_CHANNELS).json && \
		$(PY) bench/pg_fanout.py --real --channels $(PG_CHANNELS) \
			--out bench/results/pg_fanout_real_$(PG_CHANNELS).json; \
	fi
