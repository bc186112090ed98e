# Two commands set everything up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FIELDKIT_DATA_DIR ?= $(CURDIR)/instance

.PHONY: run test install dev system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Reinstall when the package metadata changes.
$(VENV)/.installed: setup.cfg setup.py | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: setup.cfg setup.py | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

run: install
	$(BIN)/fieldkit init-db
	$(BIN)/fieldkit load-demo --if-empty
	$(BIN)/fieldkit print-demo-logins
	@echo "Serving on http://127.0.0.1:$(PORT)"
	@# The job worker runs beside gunicorn and stops with it (Ctrl-C or gunicorn exiting).
	$(BIN)/fieldkit worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn --worker-class gthread --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) -c python:server.gunicorn_conf "server:create_app()"

# Debian packages the app and its tests need, installed only when one is missing. One per line.
DEBIAN_PACKAGES := \
	chromium \
	postgresql \
	fonts-dejavu-core \
	fonts-noto-core \
	libpango-1.0-0 \
	libpangoft2-1.0-0 \
	poppler-utils \
	redis-server \
	haproxy \
	pgbouncer

system-deps:
	@dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    $(DEBIAN_PACKAGES) >/dev/null; }

test: dev system-deps
	tests/tools/with_postgres.sh $(BIN)/python -m pytest -p no:cacheprovider

bench: dev
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/photo_bench.py
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/roster_bench.py
	$(BIN)/python bench/visits_bench.py
	$(BIN)/python bench/reconcile_bench.py
	$(BIN)/python bench/pwa_bench.py
	$(BIN)/python bench/documents_bench.py
	$(BIN)/python bench/console_bench.py
	$(BIN)/python bench/qr_bench.py
	$(BIN)/python bench/schedule_bench.py
	$(BIN)/python bench/cards_bench.py

clean:
	rm -rf $(VENV) *.egg-info
