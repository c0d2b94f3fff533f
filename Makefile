# Secretariat: `make run` serves the demo agency; `make test` runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-quick screenshots lint format messages translations install install-dev \
	system-packages lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3

# Every dependency is pinned, with its hashes, in requirements/ (`make lock` remakes them).
$(VENV)/.installed: requirements/run.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/run.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations
	@bash scripts/system-packages run

install-dev: $(VENV)/.installed-dev translations
	@bash scripts/system-packages test

translations: | $(BIN)/python
	@test -x $(BIN)/pybabel || $(BIN)/pip install --quiet --require-hashes -r requirements/run.txt
	$(BIN)/pybabel compile --statistics -d agency/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask serve --host 127.0.0.1 --port 5000

# The linters, then every test on a private PostgreSQL and Redis (scripts/test says how).
test: install-dev
	bash scripts/test

# The same, for one file or expression while working: make test-quick ARGS="tests/test_desk.py"
test-quick: install-dev
	bash scripts/test --quick $(ARGS)

# The README's pictures, taken by the browser tests into docs/screenshots/.
screenshots: install-dev
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots bash scripts/test --quick tests/browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock:
	$(PYTHON) -m pip install --quiet --target .venv/lock-tools uv
	PYTHONPATH=.venv/lock-tools .venv/lock-tools/bin/uv pip compile pyproject.toml \
	  --python-version 3.11 --generate-hashes --no-header --quiet -o requirements/run.txt
	PYTHONPATH=.venv/lock-tools .venv/lock-tools/bin/uv pip compile pyproject.toml --extra dev \
	  --python-version 3.11 --generate-hashes --no-header --quiet -o requirements/dev.txt

messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o agency/translations/messages.pot .
	$(BIN)/pybabel update -i agency/translations/messages.pot -d agency/translations --no-fuzzy-matching
