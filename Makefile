PY ?= .venv/bin/python

.PHONY: all install lint types test bench fmt

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

bench:
	$(PY) bench/search.py
