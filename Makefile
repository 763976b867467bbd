# The two commands a newcomer needs: `make run` (the whole local stack) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test test-fast lint format install system-packages lock bench clean

run: install system-packages  ## Install, migrate, start webserver + daemon + API + MLflow
	$(BIN)/preciso stack

test: install system-packages  ## Install what the tests need and run the whole suite
	$(BIN)/python -m pytest

test-fast: install  ## Everything except the end-to-end tests that start real processes
	$(BIN)/python -m pytest -m "not e2e"

lint: install  ## ruff lint and format check, mypy (strict on the core: setup.cfg)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy preciso_dagster api_bridge

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(INSTALLED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Pinned by requirements.lock (constraints), re-run whenever the project or the lock changes.
$(INSTALLED): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

# Tesseract (an OCR engine) and Chromium (the console's browser tests) come from Debian.
system-packages:
	@if command -v tesseract >/dev/null && command -v chromium >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			tesseract-ocr chromium chromium-driver >/dev/null; \
	else echo "note: tesseract-ocr or chromium is missing; their engine and tests are skipped"; fi

lock: $(BIN)/python  ## Re-resolve and pin every dependency
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

bench: install system-packages  ## Benchmarks (figures in docs/benchmarks.md); corpus pages skip if absent
	$(BIN)/python -m bench.extraction_bench
	$(BIN)/python -m bench.numeric_bench
	$(BIN)/python -m bench.training_bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
