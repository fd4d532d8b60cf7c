# Two commands set everything up on a fresh machine with Python 3.11: `make run`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test fuzz lint schema migrations demo clean clients bench-board bench-fanout bench-soak bench-webhooks web web-if-node screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

web/dist/index.html: web/node_modules/.installed $(WEB_SOURCES)
	cd web && npm run build

## Build the board app (web/ -> web/dist, served at /board); needs Node.js.
web: web/dist/index.html

web-if-node:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory web; \
	else echo "Node.js is not installed: serving the API alone (no board app at /board)."; fi

## Serve the demo workspace: the board at http://127.0.0.1:8000/board, the API at /graphql.
run: $(STAMP) web-if-node
	$(BIN)/dealflow migrate
	$(BIN)/dealflow demo --if-empty
	DEBUG=$${DEBUG:-true} $(BIN)/dealflow serve --host 127.0.0.1 --port 8000

tests/clients/node_modules/.installed: tests/clients/package.json tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund
	touch $@

## Node clients the tests drive against the real server (the graphql-http audit).
clients: tests/clients/node_modules/.installed

## The whole suite: lint, types, then pytest (DATABASE_URL / BROADCAST_URL pick the backend).
test: $(STAMP) lint web clients
	$(BIN)/pytest

## The long random run of every property test, the fuzz tests among them (`make test`
## draws the same short set each time).
fuzz: $(STAMP)
	DEALFLOW_FUZZ=long $(BIN)/pytest -m property tests

lint: $(STAMP) clients
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd tests/clients && node codegen.mjs
	cd tests/clients && npx --no-install graphql-schema-linter

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

## The webhooks benchmark: deliveries per second, commit-to-delivery delay (see README).
bench-webhooks: $(STAMP)
	$(BIN)/python -m bench.webhooks --backend sqlite
	$(BIN)/python -m bench.webhooks --backend postgres

## The soak: a team at work for 10 minutes, 200 subscribers (needs PostgreSQL and Redis).
bench-soak: $(STAMP)
	$(BIN)/python -m bench.soak

## The README's screenshots of the board, the drawer and the statistics (headless Chromium).
screenshots: $(STAMP) web
	$(BIN)/python -m testkit.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
