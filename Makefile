# Lianxin — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
LIANXIN := $(BIN)/lianxin
export LIANXIN_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SEED_APPEALS ?= 3000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv dev-venv check lint lint-fix typecheck test-sqlite test-postgres system-deps bench bench-triage \
        bench-intake bench-dashboard bench-reports bench-opinions seed messages screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	@touch $(VENV)/.installed

dev-venv: $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[dev]'

## make run: set up, migrate, seed the demo district when empty, serve on http://127.0.0.1:8000
run: venv
	$(LIANXIN) migrate --noinput
	$(LIANXIN) seed --if-empty --appeals $(SEED_APPEALS)
	$(LIANXIN) serve --host $(HOST) --port $(PORT)

## make test: dev tools, lint, types, then the whole suite on SQLite and on PostgreSQL when reachable
test: dev-venv system-deps lint typecheck
	@bash scripts/run-tests.sh

system-deps:
	@bash scripts/system-deps.sh

lint:
	$(BIN)/ruff check lianxin tests $(wildcard bench)
	$(BIN)/ruff format --check lianxin tests $(wildcard bench)

## make lint-fix: apply the mechanical fixes (ruff format and audited autofixes); review, then commit
lint-fix:
	RUFF=$(BIN)/ruff PYTHON=$(PY) bash scripts/lint-fix.sh

## make typecheck: mypy --strict on the package; tests and bench with the relaxations in pyproject.toml
typecheck:
	$(BIN)/mypy lianxin tests $(wildcard bench)

test-sqlite: dev-venv
	LIANXIN_DATABASE_URL= $(BIN)/pytest

test-postgres: dev-venv
	LIANXIN_DATABASE_URL=$(LIANXIN_TEST_DATABASE_URL) $(BIN)/pytest

## make screenshots: refresh docs/screenshots/ from the browser tests (a plain test run writes var/screenshots/)
screenshots: dev-venv
	LIANXIN_SCREENSHOTS_DIR=docs/screenshots LIANXIN_DATABASE_URL= $(BIN)/pytest -q -m browser tests/web/browser

messages: venv
	cd lianxin && ../$(LIANXIN) makemessages -l en --no-location --no-wrap --ignore 'triage/*' --ignore 'static/*'
	msgcat --no-wrap -o lianxin/locale/en/LC_MESSAGES/django.po lianxin/locale/en/LC_MESSAGES/django.po
	$(LIANXIN) compilemessages -l en --ignore .venv

bench-triage: dev-venv
	$(PY) bench/triage.py

bench-intake: dev-venv
	bash bench/intake.sh

bench-dashboard: dev-venv
	$(PY) bench/dashboard.py --appeals 1000000

bench-reports: dev-venv
	$(PY) bench/reports.py

bench-opinions: dev-venv
	$(PY) bench/opinions_bench.py

## make bench: every benchmark; figures are printed and belong in docs/benchmarks.md
bench: bench-intake bench-triage bench-dashboard bench-reports bench-opinions

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache .mypy_cache .ruff_cache
