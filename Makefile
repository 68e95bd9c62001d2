PY ?= .venv/bin/python

.PHONY: all install lint types test faketime bench fmt

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

# bench/fanout_real.py: the real Slack and Discord adapters at 400 and 2,000 channels per
# platform, with bench/fanout.py (thin client) as the same-session reference (~6 minutes).
# bench/acks.py: /papers acks through bolt and discord.py, closed loop, then 20/s idle and
# during a 2,000-channel-per-platform fan-out, 10,000 subscriptions, 100k papers (~12 minutes).
bench:
	$(PY) bench/search.py
	$(PY) bench/fanout_real.py --channels 400 2000
	$(PY) bench/acks.py
