# `make run` installs into .venv and starts the bot; `make test` installs and runs every check,
# the end-to-end tests in Microsoft 365 Agents Playground and headless Chromium included.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
CHROMIUM := /usr/bin/chromium

.PHONY: run test check lint install install-dev chromium postgresql package playground icons clean bench messages backup restore

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(VENV)/.run-installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-dev: $(VENV)/.dev-installed node_modules/.installed

# Microsoft's `atk validate` for the app package test (large, so in its own folder; no install scripts needed).
manifest/atk/node_modules/.installed: manifest/atk/package.json manifest/atk/package-lock.json
	npm ci --prefix manifest/atk --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser test (Playwright drives it; it downloads no browser of its own).
chromium:
	@test -x $(CHROMIUM) || { \
		test "$$(id -u)" = 0 || { echo "make chromium: run as root, or: sudo apt-get install -y chromium" >&2; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM)

# Debian's PostgreSQL server for the tests on the second backend (they start and stop their own server).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		test "$$(id -u)" = 0 || { echo "make postgresql: run as root, or: sudo apt-get install -y postgresql" >&2; exit 1; }; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null

run: install
	$(BIN)/python app.py

# A consistent copy of the SQLite database (DATABASE_PATH, default crm.db), taken while the bot runs:
# $(BACKUP_DIR)/crm-<UTC time>.db. `make restore FROM=backups/crm-....db` puts one back (stop the bot first).
BACKUP_DIR ?= backups
backup: install
	$(BIN)/python -m storage.backup --to $(BACKUP_DIR)

restore: install
	@test -n "$(FROM)" || { echo "make restore FROM=<a backup file from $(BACKUP_DIR)/>" >&2; exit 2; }
	$(BIN)/python -m storage.backup --to $(BACKUP_DIR) --restore $(FROM)

# The Teams app package: MicrosoftAppId=<your bot's app id> make package
package: install-dev
	$(BIN)/python -m manifest.build

# The bot and Microsoft 365 Agents Playground: chat with it at http://localhost:56150.
# PEOPLE=2 (up to 6): one Playground per person on the same bot, on 56150, 56151, ...
PEOPLE ?= 1
playground: install-dev
	$(BIN)/python -m playground.run --people $(PEOPLE)

# The message catalogs (bot/domain/language.py): extract what the code says, merge it into each language's .po
# (new entries then want their translation: tests/unit/test_catalogs.py fails until they have it), and report
# each catalog's count. The .po files are the source; the bot compiles them in memory when it first speaks one.
LANGUAGES := de pt_PT pt_BR
messages: install-dev
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --no-wrap --add-comments=TRANSLATORS: \
		--project=teams-crm -o locales/messages.pot bot cards manifest
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap
	@for language in $(LANGUAGES); do \
		$(BIN)/pybabel compile -i locales/$$language/LC_MESSAGES/messages.po -o /dev/null -l $$language --statistics || exit 1; done

icons: install-dev
	$(BIN)/python -m manifest.make_icons

lint: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# The quick loop, without root, PostgreSQL or Chromium: lint, types, and the unit and storage tests on SQLite.
check: $(VENV)/.dev-installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	CRM_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit tests/storage

test: lint chromium postgresql manifest/atk/node_modules/.installed
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache manifest/build test-artifacts playground/run playground/devTools

# Every figure is a ratio of two things measured side by side in one run; each bench is bounded in time.
bench: install-dev postgresql
	timeout 300 $(BIN)/python -m bench.fanout
	timeout 300 $(BIN)/python -m bench.fanout --followers 1000 --feed-share 0.5
	timeout 60 $(BIN)/python -m bench.click_cost
	timeout 120 $(BIN)/python -m bench.click_cost --postgresql
	timeout 120 $(BIN)/python -m bench.throughput
	timeout 240 $(BIN)/python -m bench.scale --plot docs/latency-vs-size.svg
	timeout 120 $(BIN)/python -m bench.start
	timeout 420 $(BIN)/python -m bench.replicas
	timeout 300 $(BIN)/python -m bench.extension
	timeout 300 $(BIN)/python -m bench.pipeline
	timeout 400 $(BIN)/python -m bench.tasks
