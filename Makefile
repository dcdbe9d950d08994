# Two commands on a fresh machine (Python 3.11, make, git): `make run` and `make test`.

# Python 3.11: `python3.11` if present, else `python3` when that is 3.11 (override: make PYTHON=…).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || \
	{ python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3; })
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extras to install: `make install INSTALL_EXTRAS=dev,ldap` adds LDAP login (python-ldap builds
# against libldap2-dev and libsasl2-dev; .ci/run installs them and sets this).
INSTALL_EXTRAS ?= dev
PORT ?= 8000

# Embedded mode defaults for the local demo server (override in the environment).
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test install test-tools lint format messages clean-venv bench loadtest

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11: neither python3.11 nor a python3 3.11 was found (make PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

# Reinstall only when the dependency list changes, so later runs start in seconds.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$(INSTALL_EXTRAS)]"
	@touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite + filesystem Celery broker under var/, demo data, web + worker + beat.
run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) PORT=$(PORT) bin/run-embedded

# Whole suite; PostgreSQL/Redis-only tests run when DATABASE_URL / CELERY_BROKER_URL point there,
# `slow` ones (minutes) only with RUN_SLOW_TESTS=1 (.ci/run sets it in its PostgreSQL pass).
# Two workers by default (pytest-xdist; the machines have 2 cores): PYTEST_WORKERS=0 runs in-process.
# --dist loadgroup keeps each module marked xdist_group on one worker (its demo seed built once;
# the grouping scheduler is in tests/conftest.py).
PYTEST_WORKERS ?= auto
test: $(STAMP) test-tools
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Test counterparts from the npm registry (axe-core for the browser tests, oidc-provider for the
# single sign-on tests), under tests/tools,
# never in static/. Without Node.js or the registry the browser tests say so (and CI fails).
AXE_JS := tests/tools/node_modules/axe-core/axe.min.js
test-tools: $(AXE_JS)
$(AXE_JS): tests/tools/package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --prefix tests/tools --no-audit --no-fund --silent && touch $(AXE_JS) || \
		echo "npm install in tests/tools failed: the accessibility audit will not run"; \
	else echo "npm not found: the browser tests' accessibility audit will not run"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract translatable strings (needs GNU gettext) and compile the catalogue without it.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=static
	$(BIN)/python scripts/compile_messages.py

clean-venv:
	rm -rf $(VENV)

# Issue 7: cockpit benchmark at province scale (needs DATABASE_URL → PostgreSQL; seeds
# `seed_demo --scale province` into that database when absent, ~7 min on 2 cores).
bench: $(STAMP)
	@case "$${DATABASE_URL}" in postgres*) ;; *) echo "make bench 需要 DATABASE_URL=postgres://… (PostgreSQL)"; exit 1;; esac
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# Issue 7: 50 users for 2 minutes against gunicorn on 127.0.0.1 (same DATABASE_URL as bench).
loadtest: $(STAMP)
	$(BIN)/python scripts/loadtest.py --start-gunicorn $(LOADTEST_ARGS)
