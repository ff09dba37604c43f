# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
DEV_ENV := FEEDBACK_ENV=development
# Made-up responses in each new demo wave, so the dashboard has results at once (0: none).
DEMO_RESPONSES ?= 60

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create .venv and install the app with its test tools

db-upgrade: install ## Apply database migrations (SQLite in instance/ unless DATABASE_URL is set)
	$(DEV_ENV) $(BIN)/flask --app wsgi db upgrade

seed-demo: db-upgrade ## Load the co-produced surveys and open a demo wave of each (DEMO_RESPONSES made-up answers)
	$(DEV_ENV) $(BIN)/flask --app wsgi demo --base-url http://$(HOST):$(PORT) --example-responses $(DEMO_RESPONSES)

run: seed-demo ## Set up and serve the app at http://127.0.0.1:5000
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(DEV_ENV) $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

browser-deps: ## Install Debian chromium for the browser tests when it is missing (needs root)
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "chromium: $$(chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Could not install chromium: browser tests will be skipped (they fail under CI=true)."; \
	else \
	  echo "chromium is not installed and cannot be installed here: browser tests will be skipped."; \
	fi

test: install browser-deps ## Run the whole test suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

lint: install ## Check style with ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Format with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run the benchmarks and print their figures, then one summary table
	@summary=$$(mktemp); \
	for b in bench/*.py; do \
	  case $$b in bench/common.py) continue;; esac; \
	  echo "== $$b"; BENCH_SUMMARY=$$summary $(BIN)/python $$b || { rm -f $$summary; exit 1; }; \
	done; \
	echo "== bench/load.py --think 1 (people who read before they answer)"; \
	BENCH_SUMMARY=$$summary $(BIN)/python bench/load.py --think 1 --duration 30 || { rm -f $$summary; exit 1; }; \
	echo; echo "== summary"; cat $$summary; rm -f $$summary

assets: ## Refresh GOV.UK Frontend and Chart.js in static/ from the npm registry
	bash scripts/vendor_assets.sh

.PHONY: help install db-upgrade seed-demo run browser-deps test lint format bench assets
