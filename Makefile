# OMS developer commands. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Python 3.13 (the embedded MongoDB-wire server needs it); override with PYTHON=/path/to/python3.
PYTHON ?= $(shell for candidate in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13 \
	/root/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
	"$$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null \
	&& { echo "$$candidate"; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS ?= --record

.PHONY: help install rabbitmq run test test-unit test-integration test-e2e test-cluster test-browser screenshots chromium lint format docs generate bench up down logs clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  \033[36m%-17s\033[0m %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.13 not found: install it or run make PYTHON=/path/to/python3.13"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed ## Create .venv with the project and its development tools

chromium: ## Make sure Debian's Chromium is installed (the back office's browser tests drive it)
	@deploy/local/ensure-chromium.sh

rabbitmq: ## Make sure a local RabbitMQ (with management API) runs, installing it if needed
	@deploy/local/ensure-rabbitmq.sh

run: install rabbitmq ## Run all five services and the back office locally (embedded MongoDB unless MONGODB_URL is set)
	$(BIN)/python deploy/local/run.py

test: install rabbitmq chromium ## Run the whole test suite (real RabbitMQ, a MongoDB-wire server, Chromium for the back office)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-browser: install rabbitmq chromium ## Run the back office's browser tests (screenshots in .run/screenshots)
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

screenshots: install rabbitmq chromium ## Retake the README's back-office screenshots (docs/screenshots/) from a seeded system
	OMS_README_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser/test_reports.py $(PYTEST_ARGS)

test-unit: install ## Run the unit tests (no servers needed)
	$(BIN)/python -m pytest -m unit $(PYTEST_ARGS)

test-integration: install rabbitmq ## Run the integration tests (real broker and database)
	$(BIN)/python -m pytest -m integration $(PYTEST_ARGS)

test-e2e: install rabbitmq ## Run the end-to-end tests (every service as a process)
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: install ## ruff (lint and format check), mypy (strict) and the import contracts (no service imports another)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy shared services omsctl tests deploy/local deploy/generate.py

format: install ## Format the code and fix what ruff can fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: install ## Regenerate the AsyncAPI documents in docs/asyncapi/
	$(BIN)/python -m shared.asyncapi

generate: install ## Regenerate from the code: Compose, k8s, RabbitMQ users, AsyncAPI documents
	$(BIN)/python deploy/generate.py
	$(BIN)/python -m shared.asyncapi

test-cluster: install rabbitmq ## The three-node RabbitMQ cluster that loses a node (root; ~1.5 min)
	$(BIN)/python -m pytest -m cluster $(PYTEST_ARGS)

bench: install rabbitmq ## Measure throughput and latency; record results in BENCHMARKS.md
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)

.PHONY: mutation
mutation: install ## Mutation-test the domain and pricing modules with the unit tests (~2 min)
	$(BIN)/python -m tests.mutation.run $(MUTATION_ARGS)

up: ## Run the system with Docker Compose (MongoDB 7, RabbitMQ, Mailpit)
	docker compose up -d --build --wait

down: ## Stop the Docker Compose system
	docker compose down

logs: ## Follow the Docker Compose logs
	docker compose logs -f

clean: ## Remove the virtualenv, caches, local data and logs
	rm -rf $(VENV) .run .data mutants .pytest_cache .mypy_cache .ruff_cache *.egg-info
