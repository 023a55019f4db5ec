# Two commands are the contract: `make run` and `make test`. Everything else is for CI and operators.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `make bench BENCH_DB=pg` (PostgreSQL + Redis) or BENCH_DB=both; BENCH_ARGS="--only home,lessons"
BENCH_DB ?= sqlite
BENCH_ARGS ?=
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/lms
REDIS_URL_TEST ?= redis://127.0.0.1:6379

.PHONY: run demo lock test services-test e2e bench bench-scale lint deploy-check messages compilemessages install browser clean

# The whole dependency tree comes from requirements.lock (exact versions, made by `make lock`
# from pyproject.toml), so two installs a month apart are the same; then the project itself.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet -e . --no-deps
	touch $@

## Resolve the dependency tree again after editing pyproject.toml's pins (commit requirements.lock).
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet pip-tools==7.6.2
	$(VENV)/bin/pip-compile --quiet --extra test --strip-extras --no-emit-index-url \
	  --no-emit-find-links --output-file requirements.lock pyproject.toml

install: $(VENV)/.installed compilemessages

# Each app (and the theme) keeps its own catalogue in <dir>/locale, written by its owner.
LOCALE_DIRS = themes/default $(patsubst %/locale,%,$(wildcard lms/*/locale))

compilemessages: $(VENV)/.installed
	@for d in $(LOCALE_DIRS); do $(VENV)/bin/pybabel compile -d $$d/locale -D django >/dev/null || exit 1; done

# Links in emails (activation, password reset, reminders) point at the server that sent them.
BASE_URL ?= http://$(HOST):$(PORT)

## Serve the platform with demo data on the embedded default (SQLite, eager Celery). The demo is
## loaded into a new database only: what testers change or import stays from one run to the next.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@echo "Serving on $(BASE_URL)/  (Ctrl+C to stop)"
	BASE_URL=$(BASE_URL) $(MANAGE) runserver $(HOST):$(PORT)

## Load the demo data again into the same database, on purpose (then `make run`).
demo: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo --force

## The whole suite on the embedded default. The PDF tests read the pages back with poppler's
## pdftoppm (a Debian package, installed here when missing, as CI does).
test: install
	@command -v pdftoppm >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils)
	$(VENV)/bin/pytest -n 2 -q

## The suite again on PostgreSQL + Redis with a real Celery worker (services must be up).
services-test: install
	bash .ci/services-test

## Browser journeys in Debian's Chromium, with axe-core.
e2e: install browser
	$(VENV)/bin/pytest tests/e2e -q -p no:xdist -o addopts="-p no:cacheprovider"

browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	@test -f node_modules/axe-core/axe.min.js || npm install --no-save --no-audit --no-fund axe-core@4.11.0 >/dev/null

## Throughput ratios against a bare Django view, served by gunicorn in the same run.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m tests.bench.run --db $(BENCH_DB) $(BENCH_ARGS)
	@if [ -n "$(BENCH_PG_URL)" ]; then $(MAKE) bench-scale; fi

## The agency pages (and reports dashboards) with OFFICIALS officials on PostgreSQL
## (BENCH_PG_URL, e.g. postgres://postgres@127.0.0.1:5432; database lms_scale, rebuilt
## unless BENCH_SCALE_ARGS=--reuse). PostgreSQL is started as CI starts it when it is down.
OFFICIALS ?= 500000
BENCH_PG_URL ?=
bench-scale: install
	bash .ci/services-up >/dev/null
	$(PY) -m tests.bench.scale --officials $(OFFICIALS) $(if $(BENCH_PG_URL),--pg $(BENCH_PG_URL)) $(BENCH_SCALE_ARGS)

deploy-check: install
	DJANGO_SETTINGS_MODULE=lms.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  ALLOWED_HOSTS=lms.example.gov.vn $(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) makemigrations --check --dry-run

lint: install
	$(VENV)/bin/ruff check lms tests

## Refresh the .po catalogues from the code and templates (then translate and commit them).
## lms/wagtail_vi holds hand-kept overrides of Wagtail's strings and is not extracted.
messages: $(VENV)/.installed
	$(PY) -m lms.core.i18n_extract theme
	@for d in $(filter-out lms/wagtail_vi/locale,$(wildcard lms/*/locale)); do $(PY) -m lms.core.i18n_extract $$(basename $$(dirname $$d)) || exit 1; done

clean:
	rm -rf var db.sqlite3 db.sqlite3-*
