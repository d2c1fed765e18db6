# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_LEADS ?= 2000
PORT ?= 8000

.PHONY: install run reseed test smoke lint format bench clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# As package-lock.json pins them: trix, the rich-text editor (Django serves its
# dist folder as static/vendor/trix), and axe-core, which the browser tests run
# on every page.
node_modules/.installed: package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# The app on SQLite with demo data, and the scheduler loop beside it; jobs run
# in-process unless REDIS_URL is set, in which case an RQ worker runs too.
run: export DJANGO_DEBUG ?= 1
run: export PORT := $(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty --leads $(DEMO_LEADS)
	$(PY) manage.py seed_demo_touches --if-empty
	$(PY) manage.py seed_demo_cadences --if-empty
	$(PY) manage.py seed_demo_letters --if-empty
	$(PY) manage.py seed_demo_growth --if-empty
	@trap 'kill 0' EXIT; \
	$(PY) manage.py run_scheduler & \
	if [ -n "$$REDIS_URL" ]; then $(PY) manage.py rqworker --with-scheduler default imports & \
	  $(PY) manage.py rqworker --worker-class rq.worker.SimpleWorker mail & \
	  $(PY) manage.py rqworker --worker-class rq.worker.SimpleWorker letters & fi; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# A fresh demo without touching .venv or node_modules: the SQLite file goes,
# `make run` migrates and seeds it again.
reseed:
	rm -f db.sqlite3
	$(MAKE) run

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The production-shaped run (tests/test_production_run.py): the Procfile under
# honcho against PostgreSQL (DATABASE_URL's server, a fresh database) and a Redis
# database of its own, which it empties (SMOKE_REDIS_URL).
smoke: export PRODUCTION_RUN := 1
smoke: export SMOKE_REDIS_URL ?= redis://127.0.0.1:6379/14
smoke: install
	$(PY) -m pytest tests/test_production_run.py -p no:cacheprovider -rP $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install
	$(PY) bench/seed.py
	$(PY) bench/lead_list.py
	$(PY) bench/import_booth.py

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles .pytest_cache
