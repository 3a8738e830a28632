SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export UV_PYTHON_DOWNLOADS := never
UV := uv run --frozen
PYTEST := $(UV) pytest -p no:cacheprovider

.PHONY: help install services lint fmt test test-unit test-integration test-faults check-deploy \
        demo dev migrate bench bench-weekly bench-monthly bench-mail bench-publish bench-monitoring bench-retention \
        bench-load up down

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

install: ## install uv (if missing) and the locked workspace
	@scripts/ensure-uv.sh

services: ## start PostgreSQL and RabbitMQ here (installing them if missing)
	@scripts/services.sh

lint: install ## ruff, mypy (strict) and the import contracts
	$(UV) ruff format --check .
	$(UV) ruff check .
	$(UV) mypy
	$(UV) lint-imports

fmt: install ## format and autofix
	$(UV) ruff format .
	$(UV) ruff check --fix .

test: install services lint ## everything CI runs: lint, unit, integration and e2e tests
	@scripts/ensure-prometheus.sh
	@scripts/ensure-packages.sh chromium:chromium chromedriver:chromium-driver spamassassin:spamassassin amtool:prometheus-alertmanager
	@$(PYTEST) tests -m "not faults" || { code=$$?; [ $$code -eq 5 ] && echo "pytest ran no test" >&2; exit $$code; }

test-unit: install ## unit tests only (no services needed)
	$(PYTEST) tests/unit

test-integration: install services ## tests against real PostgreSQL, RabbitMQ and SMTP
	@scripts/ensure-prometheus.sh
	$(PYTEST) tests/integration tests/e2e -m "not faults"

test-faults: install services ## fault-injection tests (crash, broker and database restarts)
	@$(PYTEST) tests -m faults || { code=$$?; [ $$code -eq 5 ] && echo "pytest ran no fault test" >&2; exit $$code; }

check-deploy: install ## promtool config/rules/tests and the dashboard check
	@scripts/ensure-packages.sh amtool:prometheus-alertmanager
	bash deploy/check.sh

migrate: install services ## apply the migrations to DATABASE_URL
	$(UV) sportify migrate

demo: install services ## migrate, demo data, a weekly and a monthly run end to end
	$(UV) sportify demo

dev: install services ## run all four services (Ctrl-C stops them)
	$(UV) sportify migrate
	$(UV) sportify dev

bench: bench-weekly bench-monthly bench-mail bench-publish bench-monitoring bench-retention ## all benchmarks (minutes)

bench-weekly: install services ## weekly evaluation on 100,000 seeded users
	$(UV) python bench/weekly.py

bench-monthly: install services ## monthly evaluation on 100,000 users, a month of activity
	$(UV) python bench/monthly.py

bench-mail: install services ## emails per second from email_queue to a local SMTP sink
	$(UV) python bench/mail.py

bench-publish: install services ## CPU per published email.requested: per message vs publish_many
	$(UV) python bench/publish.py

bench-monitoring: install services ## GET /api/admin/monitoring over 1M job runs and 1M emails
	$(UV) python bench/monitoring.py

bench-retention: install services ## retention over 1M email_queue rows, alone and beside a weekly run
	$(UV) python bench/retention.py

bench-load: install services ## 100 concurrent clients against the monitor for 60 s
	$(UV) python bench/load.py

up: ## the whole stack in Docker (needs a Docker engine)
	docker compose up --build

down: ## stop the Docker stack
	docker compose down
