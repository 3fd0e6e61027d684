# The commands a newcomer types. Every target is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DEBUG ?= 1

.PHONY: install run test test-e2e browser migrate content demo messages bench bench-endpoints clean

install: $(VENV)/.installed .env

# Development defaults for commands typed without the Makefile (README: `.venv/bin/python manage.py ...`).
# Written once, never overwritten; settings.py reads it only when DEBUG is not set in the environment.
.env:
	printf '%s\n' '# Development only (written by make install, git-ignored): read when DEBUG is not set in the' \
	  '# environment. Production sets DEBUG=0 and never reads this file.' 'DEBUG=1' > $@

# Reinstalls only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

migrate: install
	$(PY) manage.py migrate --noinput

content: migrate
	$(PY) manage.py load_content

demo: migrate
	$(PY) manage.py create_demo_accounts

run: content demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Debian's Chromium (and a CJK font so pages look as learners see them) for the browser tests.
# Installed only when missing, and only where we may (root); otherwise the browser tests skip.
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# lint-imports first: an app importing from an app to its right (pyproject.toml's layers contract) fails
# the run, and so CI (.ci/run calls make test), before any test starts.
test: install browser
	$(VENV)/bin/lint-imports
	DEBUG=0 $(PY) -m pytest

# Collect UI strings into locale/*/django.po after editing templates or code; compile after translating.
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

# Load benchmark (20 to 30 minutes): capacity at a learner's pace. Simulated learners think 10 s on average
# between clicks, take quizzes and review due cards; levels of 50, 100, 200, 400, ... learners until answer
# or rate p95 passes 150 ms or an error appears, on SQLite (one gunicorn) then PostgreSQL (two;
# BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/quizapp_bench, created and dropped), a fault
# run; prints tables and one JSON line ({"capacity": {"sqlite": n, "postgres_2_servers": n}, ...}).
# Shorter trial runs: make bench BENCH_ARGS="--levels 50,100 --duration 20 --skip-postgres".
bench: install
	$(PY) benchmarks/load.py $(BENCH_ARGS)

# Per-request cost (about 3 minutes, one process, no server): each hot endpoint's median CPU time as a multiple
# of a bare logged-in view, its queries and duplicated queries; a table and one JSON line.
# Quicker: make bench-endpoints BENCH_ARGS="--calls 20 --rounds 1 --only answer,rate".
bench-endpoints: install
	DEBUG=0 $(PY) benchmarks/endpoints.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles test-results
