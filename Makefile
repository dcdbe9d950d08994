# Two commands on a fresh machine (Python 3.11, make, git): `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

# Embedded mode defaults for the local demo server (override in the environment).
RUN_ENV := DEBUG=$${DEBUG:-1}

.PHONY: run test install lint format messages bench clean-venv

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes, so later runs start in seconds.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py seed_demo
	$(RUN_ENV) PORT=$(PORT) bin/run-embedded

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract translatable strings (needs GNU gettext) and compile the catalogue without it.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python scripts/compile_messages.py

clean-venv:
	rm -rf $(VENV)
