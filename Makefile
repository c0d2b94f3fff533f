# Secretariat: `make run` serves the demo agency; `make test` runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

PG_OWNER_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_test
PG_APP_URL ?= postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: pdf-libs messages run test test-postgres test-sqlite lint format translations install install-dev services chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed translations pdf-libs

install-dev: $(VENV)/.installed-dev translations pdf-libs

# WeasyPrint renders letters to PDF with Pango from the system.
pdf-libs:
	@ldconfig -p | grep -q libpangoft2-1.0 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	  else echo "Pango is missing: letters cannot be rendered (apt-get install libpango-1.0-0 libpangoft2-1.0-0)" >&2; fi; }

translations: | $(BIN)/python
	@test -x $(BIN)/pybabel || $(BIN)/pip install --quiet Babel
	$(BIN)/pybabel compile --statistics -d agency/translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask serve --host 127.0.0.1 --port 5000

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  elif [ "$${CI:-}" = true ]; then echo "chromium is missing and apt-get needs root" >&2; exit 1; \
	  else echo "chromium is missing: browser tests will be skipped (apt-get install chromium)" >&2; fi; }

services:
	bash scripts/ensure-services.sh

test: install-dev chromium services test-postgres test-sqlite

test-postgres test-sqlite: install-dev services

test-postgres:
	TEST_DATABASE_URL=$(PG_APP_URL) TEST_DATABASE_OWNER_URL=$(PG_OWNER_URL) \
	TEST_REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -p no:cacheprovider

test-sqlite:
	TEST_DATABASE_URL=sqlite:// TEST_REDIS_URL=$(TEST_REDIS_URL) \
	$(BIN)/pytest -p no:cacheprovider -q -m "not browser and not postgres"

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o agency/translations/messages.pot .
	$(BIN)/pybabel update -i agency/translations/messages.pot -d agency/translations --no-fuzzy-matching
