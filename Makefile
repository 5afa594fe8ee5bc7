# Targets CI calls (.ci/run) and a few for people. Needs `make`; the README's commands do not.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install lint format type test test-external bench ci fuzz fuzz-short crash

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

# atheris targets (fuzz/README.md): every target for FUZZ_SECONDS each; crashers in fuzz/crashes/
FUZZ_SECONDS ?= 300
FUZZ_TARGETS := smtp_session data_reader imap_parser imap_session mutf7 mailbox_names mime \
	addresses encoded_words sasl pop3_session mailauth_records compress_inflate

fuzz:
	@for t in $(FUZZ_TARGETS); do echo "== fuzz/$$t.py ($(FUZZ_SECONDS) s)"; \
		$(PY) fuzz/$$t.py -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; done

fuzz-short:
	$(MAKE) fuzz FUZZ_SECONDS=20

# crash-safety soak by hand (tests/crash/soak.py): CRASH_MINUTES, CRASH_CLIENTS, CRASH_SEED
CRASH_MINUTES ?= 30
CRASH_CLIENTS ?= 50
crash:
	$(PY) -m tests.crash.soak --minutes $(CRASH_MINUTES) --clients $(CRASH_CLIENTS)
