# Targets CI calls (.ci/run) and a few for people. Needs `make`; the README's commands do not.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install lint format type test test-external bench ci

install:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test]'

lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff check --config servers/ruff.toml servers && $(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

type:
	$(VENV)/bin/mypy mailstore servers

test:
	$(VENV)/bin/pytest -q

test-external:
	MAILSTORE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres $(VENV)/bin/pytest -q

bench:
	$(PY) -m bench.deliver --count 10000

ci:
	bash .ci/run
