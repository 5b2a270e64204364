# Dossier: `make run` serves the API on http://localhost:8000 and the web client on :8001; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The end-to-end tests drive Debian's Chromium (never a browser Playwright downloads).
CHROMIUM := /usr/bin/chromium
CHROMIUM_STAMP := $(VENV)/.chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint unit bench package fuzz setup clean

setup: $(STAMP) devtools/node_modules/.installed

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Installs the chromium package only when it is missing (a fresh CI machine).
$(CHROMIUM_STAMP): | $(STAMP)
	test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	test -x $(CHROMIUM)
	touch $@

devtools/node_modules/.installed: devtools/package.json devtools/package-lock.json
	npm ci --prefix devtools --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(PY) -m devtools.run_local

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

test: setup lint $(CHROMIUM_STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

unit: setup
	$(PY) -m pytest -m "not integration"

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) devtools/node_modules .pytest_cache .mypy_cache .ruff_cache

# The deployable SAM template and code zip (build/package/template/), checked by cfn-lint.
package: setup
	$(PY) -m devtools.package --stage $(or $(STAGE),prod)
	$(VENV)/bin/cfn-lint build/package/template/sam.json

# A longer Schemathesis campaign than make test's (build/fuzz/ keeps the JUnit report); docs/fuzzing.md has the last result.
fuzz: setup
	$(PY) -m devtools.fuzz --max-examples $(or $(EXAMPLES),50) $(if $(SEED),--seed $(SEED),)
