PY ?= .venv/bin/python

.PHONY: all install lint types test faketime bench bench-quick bench-pg fmt soak

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

# Every benchmark (well over an hour on 2 cores; figures and method in docs/benchmarks.md).
# bench/digest_build.py: 10,000 channels' digests on a 500-paper day, two topic mixes, with
# the per-channel build_digest as the same-run reference (~2 minutes).
# bench/memory.py: peak RSS of run_due + search + today, 100k papers and 10,000 channels
# (~3 minutes, most of it filling the store).
# bench/search.py: SQLite search beside a LIKE scan on the real archive and larger corpora
# (ARCHIVE: the Hugging Face archive of ../shared/fixtures).
# bench/fanout_real.py: the real Slack and Discord adapters at 400, 2,000 and 10,000 channels
# per platform, each with bench/fanout.py (thin client) as the same-session reference; then
# bench/pg_fanout.py with 1, 2 and 4 worker processes, thin client and real Discord adapter
# (needs PAPERBOT_BENCH_POSTGRES_URL; skipped without it).
# bench/clicks.py: 👍 clicks acked through bolt and discord.py with 100k votes stored (~1.5
# minutes); bench/weekly_build.py: weekly digests for 2,000 subscriptions (~30 s).
# bench/settle.py: a settling and follow-up pass over 2,000 channels' posts per platform,
# with digests posted mid-pass timed against the same digests alone (~5 minutes).
# bench/acks.py: /papers acks through bolt and discord.py, closed loop, then 20/s idle and
# during a 2,000-channel-per-platform fan-out, 10,000 subscriptions, 100k papers (~12 minutes).
# bench/retention.py: a year of rows at 1,000 channels, then the retention job (~12 minutes).
ARCHIVE ?= ../shared/fixtures/hf/daily_papers_archive_2024-05-27_to_2026-08-21.json.gz
bench:
	$(PY) bench/digest_build.py
	$(PY) bench/memory.py
	$(PY) bench/search.py --archive $(ARCHIVE)
	$(PY) bench/fanout_real.py --channels 400 2000 10000
	$(MAKE) bench-pg PG_CHANNELS=10000
	$(PY) bench/clicks.py
	$(PY) bench/weekly_build.py
	$(PY) bench/settle.py --channels 2000
	$(PY) bench/acks.py
	$(PY) bench/retention.py

# The fan-out at 400 and 2,000 channels, PostgreSQL at 1,000 (about 10 minutes).
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

# The time-lapse: `paperbot run` with the real clients against loopback fakes, on a fast wall
# clock, with seeded faults, then the checker (docs/soak.md). FAULTS=file replays a schedule.
DAYS ?= 2
SEED ?= 7
CHANNELS ?= 10
RATE ?= 240
soak:
	$(PY) -m bench.soak --days $(DAYS) --seed $(SEED) --channels $(CHANNELS) --rate $(RATE) \
		--archive $(ARCHIVE) $(if $(FAULTS),--faults $(FAULTS)) --out bench/results/soak_$(DAYS)d.json
