# Tessera: the targets a newcomer needs. `make run` starts a demo; `make test` checks everything.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= tessera-data

.PHONY: run test lint typecheck bench install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## run: create .venv, install, initialise ./tessera-data with a demo workspace, serve on :8000
run: install
	$(BIN)/tessera init --data-dir $(DATA)
	$(BIN)/tessera demo --data-dir $(DATA) --if-missing
	$(BIN)/tessera serve --data-dir $(DATA)

## test: lint, type checks, layer contracts and the tests (browser tests in Debian's chromium)
test: dev
	bash scripts/ensure-chromium.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n 2 --dist loadfile

## lint: ruff, mypy (strict on src/) and import-linter's layer contracts
lint: dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## bench: the figures quoted in docs/benchmarks.md (slow; never part of `make test`)
bench: dev
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
