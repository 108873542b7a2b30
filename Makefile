# The README's two commands: `make run` (the product) and `make test` (the whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
API_PORT ?= 8000
# The local demo login (README); set your own in the environment for anything shared.
ADMIN_USERNAME ?= admin
ADMIN_PASSWORD ?= carsensor-demo

.PHONY: install migrate run bot scrapyd scheduler test lint web web-types web-test compose-smoke bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[crawler,api,bot,scrapyd,dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/alembic upgrade head

# make run: install, build the web app, then scripts/run_local.py: migrate DATABASE_URL (default:
# SQLite under ./var/), seed the admin, start scrapyd (crawler deployed), the scheduler and the
# API on :$(API_PORT) serving the web app. Ctrl-C stops it all.
# make run OFFLINE=1: crawl the bundled replay site instead of carsensor.net.
run: install
	@if command -v npm >/dev/null; then $(MAKE) web; else echo "npm not found: serving the API without web/"; fi
	ADMIN_USERNAME=$(ADMIN_USERNAME) ADMIN_PASSWORD=$(ADMIN_PASSWORD) API_PORT=$(API_PORT) \
		$(PY) scripts/run_local.py $(if $(filter 1,$(OFFLINE)),--offline)

# scrapyd and the crawl scheduler (README, "Through scrapyd"); run from the repo root.
scrapyd: migrate
	$(BIN)/scrapyd

scheduler: migrate
	SCRAPYD_URLS=$${SCRAPYD_URLS:-http://127.0.0.1:6800} $(PY) -m crawler.scheduler

# The Telegram bot; needs TELEGRAM_BOT_TOKEN (README, "Telegram bot").
bot: migrate
	$(PY) -m bot

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The web app (web/README.md): Node >= 20.19. npm 11 may reject a lockfile that npm 10 accepts.
web:
	cd web && (npm ci --no-audit --no-fund || npx -y npm@10 ci --no-audit --no-fund) && npm run build

# web/src/api.gen.ts: the API's OpenAPI document (scripts/openapi.py) as TypeScript types.
web-types: install
	cd web && PYTHON=$(abspath $(PY)) npm run --silent gen:api

# Fails when the committed web/src/api.gen.ts no longer matches the API.
web-test: web install
	cd web && npm test
	cd web && PYTHON=$(abspath $(PY)) npm run --silent gen:api -- --check \
		|| { echo "web/src/api.gen.ts is stale: run make web-types" >&2; exit 1; }

test: lint web-test
	$(BIN)/pytest --cov --cov-report=term

# Build and start the compose stack offline, check it end to end, tear it down (needs Docker).
compose-smoke:
	bash tests/compose/smoke.sh

# bench.api_bench drives the API with Debian's wrk (apt-get install wrk).
bench: install web
	$(PY) -m pip install -q -e ".[crawler,api,bot,scrapyd,dev,bench]"
	$(PY) -m bench.parse_bench
	$(PY) -m bench.upsert_bench
	$(PY) -m bench.crawl_bench
	$(PY) -m bench.fullsite_bench
	$(PY) -m bench.api_bench
	$(PY) -m bench.bot_bench
	$(PY) -m bench.web_bench
	$(PY) -m bench.market_bench

clean:
	rm -rf $(VENV) var .coverage* .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
