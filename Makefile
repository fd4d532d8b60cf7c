# Two commands set everything up on a fresh machine with Python 3.11: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test fuzz lint schema migrations demo clean bench-board bench-fanout bench-soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

## Serve the demo workspace on http://127.0.0.1:8000/graphql (SQLite, memory://).
run: $(STAMP)
	$(BIN)/dealflow migrate
	$(BIN)/dealflow demo --if-empty
	DEBUG=$${DEBUG:-true} $(BIN)/dealflow serve --host 127.0.0.1 --port 8000

## The whole suite: lint, types, then pytest (DATABASE_URL / BROADCAST_URL pick the backend).
test: $(STAMP) lint
	$(BIN)/pytest

## The long fuzz run (random, many examples; the short one is part of `make test`).
fuzz: $(STAMP)
	DEALFLOW_FUZZ=long $(BIN)/pytest tests/fuzz

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Regenerate schema.graphql after changing the GraphQL surface.
schema: $(STAMP)
	$(BIN)/python -m schema.export > schema.graphql

## Write a migration for model changes (then commit it).
migrations: $(STAMP)
	$(BIN)/tortoise makemigrations

## The board benchmark (SQLite and PostgreSQL; see README).
bench-board: $(STAMP)
	$(BIN)/python -m bench.board

## The fan-out benchmark (needs PostgreSQL, Redis and Node.js; see README).
bench-fanout: $(STAMP)
	$(BIN)/python -m bench.fanout

## The soak: a team at work for 10 minutes, 200 subscribers (needs PostgreSQL and Redis).
bench-soak: $(STAMP)
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
