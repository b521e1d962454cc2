# Arna: the two set-up commands of the README, and a few conveniences.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
export ARNA_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test test-pg lint bench install install-dev system-deps

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-deps:
	./scripts/system-deps.sh

## make run: install, migrate, bootstrap with demo data, serve on 127.0.0.1:$(PORT)
## (plain http on loopback, so cookies drop the Secure flag unless ARNA_COOKIE_SECURE=1;
## paper copies point to this address unless ARNA_PUBLIC_URL says otherwise)
run: install
	$(BIN)/flask --app wsgi bootstrap --demo
	$(BIN)/flask --app wsgi crl refresh || echo "crl refresh: some CRLs could not be refreshed (offline?); serving with the CRLs held"
	@echo "Arna is serving on http://127.0.0.1:$(PORT)/login"
	ARNA_SERVER_SIGNING=$${ARNA_SERVER_SIGNING:-1} \
	ARNA_COOKIE_SECURE=$${ARNA_COOKIE_SECURE:-0} \
	ARNA_PUBLIC_URL=$${ARNA_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	$(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT)

## make test: install (with test tools) and run every test; TEST_DATABASE_URL picks the database
test: install-dev system-deps
	$(BIN)/pytest

test-pg:
	TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(MAKE) test

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo

bench: install-dev
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done
