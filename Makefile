# The two commands of the README: `make run` and `make test`.
# Both create .venv from the pinned locks; a second run reuses it unless a lock changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run test lint messages makemessages bench bench-reports bench-organisation bench-monitoring \
	clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@ $(VENV)/.run-installed

# The compiled catalogue (django.mo) is committed, so running the portal needs no gettext.
messages:
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=$(VENV) --ignore=var -v 0

## run: set up and serve the portal on http://$(HOST) (SQLite in var/, tasks in-process)
run: export DEBUG ?= 1
run: $(VENV)/.run-installed
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py create_periods
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST)

## test: set up and run the whole test suite (DATABASE_URL and REQUIRE_SERVICES are honoured)
test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var

## makemessages: refresh locale/vi after changing user-facing strings; translate them, then
## `make messages` compiles them (commit both files)
makemessages:
	DEBUG=1 $(BIN)/python manage.py makemessages -l vi --no-obsolete --add-location file \
		--ignore=$(VENV) --ignore=var --ignore=static --ignore=tests

## bench: the benchmarks of the activities issue, on a throw-away PostgreSQL database
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/doingoai_bench
BENCH_ENV = DATABASE_URL=$(BENCH_DB) DEBUG=0 SECRET_KEY=bench ALLOWED_HOSTS=localhost \
	VAR_DIR=/tmp/doingoai-bench
bench: $(VENV)/.dev-installed
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS doingoai_bench" \
		-c "CREATE DATABASE doingoai_bench"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py benchmark_activities $(BENCH_ARGS)
	$(BENCH_ENV) $(BIN)/python manage.py benchmark_sheets
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE doingoai_bench"

## bench-reports: the consolidated report of a year of 5,000 activities against a full-table PDF
bench-reports: $(VENV)/.dev-installed
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS doingoai_bench" \
		-c "CREATE DATABASE doingoai_bench"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py benchmark_reports $(BENCH_ARGS)
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE doingoai_bench"

## bench-organisation: the 1/7/2025 merger with 100,000 activities, the activity list by today's
## agency and the organisation pages with 200 more agencies, each against a baseline of the run
bench-organisation: BENCH_DB = postgres://postgres@127.0.0.1:5432/doingoai_bench_org
bench-organisation: $(VENV)/.dev-installed
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS doingoai_bench_org" \
		-c "CREATE DATABASE doingoai_bench_org"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py benchmark_organisation $(BENCH_ARGS)
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE doingoai_bench_org"

## bench-monitoring: each monitoring page (N activities, default 100,000) as a leader and as a
## district's staff member against one raw SQL statement of the same figures (≤ 300 ms each)
bench-monitoring: BENCH_DB = postgres://postgres@127.0.0.1:5432/doingoai_bench_monitoring
bench-monitoring: N ?= 100000
bench-monitoring: $(VENV)/.dev-installed
	psql -q -h 127.0.0.1 -U postgres -d postgres \
		-c "DROP DATABASE IF EXISTS doingoai_bench_monitoring" \
		-c "CREATE DATABASE doingoai_bench_monitoring"
	$(BENCH_ENV) $(BIN)/python manage.py migrate --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py collectstatic --noinput -v 0
	$(BENCH_ENV) $(BIN)/python manage.py create_periods
	$(BENCH_ENV) $(BIN)/python manage.py generate_sample_data --activities $(N) --not-production
	$(BENCH_ENV) $(BIN)/python manage.py benchmark_monitoring --explain $(BENCH_ARGS)
	psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE doingoai_bench_monitoring"
