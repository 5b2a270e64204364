# Dossier: `make run` serves the API on http://localhost:8000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench package fuzz setup clean

setup: $(STAMP) devtools/node_modules/.installed

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

devtools/node_modules/.installed: devtools/package.json devtools/package-lock.json
	npm ci --prefix devtools --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(PY) -m devtools.run_local

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

test: setup lint
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
