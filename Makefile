# The README's quick start is `make run`; CI calls `make test` (through .ci/run).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := python3 -m uv
PY := .venv/bin/python
PORT ?= 8000
export PORT

.PHONY: install run test test-clocks lint deploy-check bench

install: .venv/.installed

# Reinstall only when the lock or the project file changes.
.venv/.installed: pyproject.toml uv.lock
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

run: install
	@bash scripts/run.sh

test: install
	.venv/bin/pytest $(PYTEST_ARGS)

# The suite at instants that catch date and hour assumptions (README, "No test may depend...").
CLOCKS ?= $(shell $(PY) -m tests.clock)
test-clocks: install
	@for clock in $(CLOCKS); do \
	  echo "== FELLOWSHIP_TEST_CLOCK=$$clock"; \
	  FELLOWSHIP_TEST_CLOCK=$$clock .venv/bin/pytest $(PYTEST_ARGS) || exit 1; \
	done

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# `manage.py check --deploy` under production settings with dummy values; warnings fail.
deploy-check: install
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=ci-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP \
	DJANGO_SIGNING_KEY=ci-only-signing-0123456789abcdefghijklmnopqrstuvwxyz \
	DJANGO_ALLOWED_HOSTS=fellowship.example.org \
	DATABASE_URL=postgres://fellowship@127.0.0.1:5432/fellowship \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	$(PY) manage.py check --deploy --fail-level WARNING

# Seed the scale data on PostgreSQL (reused when present) and measure the pages, the export and
# the reminder sweep; prints a table and writes benchmarks/results.json (git-ignored).
bench: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fellowship_bench} \
	$(PY) -m benchmarks.run $(BENCH_ARGS)
