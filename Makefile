# Two commands do everything on a fresh machine with Python >= 3.11 and git:
#   make run    install, migrate, load the catalogue and demo data, start http://127.0.0.1:8000/
#   make test   install the test dependencies, lint, and run the whole suite (SQLite by default;
#               set DATABASE_URL=postgres://... to run it on PostgreSQL)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check
HOST   ?= 127.0.0.1
PORT   ?= 8000
AXE_VERSION := 4.14.1

.PHONY: run test lint install bench clean docs

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "secassure needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	# NIST's OSCAL 1.1.3 JSON schemas, which the tests validate the OSCAL exports against, come inside
	# this package's data; only that data is used, so none of its own dependencies are installed.
	$(PIP) install --quiet --no-deps oscal==2.0.0
	# axe-core, from the npm registry, for the accessibility checks of the end-to-end tests (they skip,
	# saying so, where npm is missing); it is kept in the virtual environment, never in the project.
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(VENV)/axe && cd $(VENV)/axe && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
	  tar xzf axe-core-$(AXE_VERSION).tgz || echo "axe-core could not be fetched: the accessibility tests will skip"; \
	else echo "npm not found: the accessibility tests will skip"; fi
	touch $@

install: $(VENV)/.installed

# A development run: DEBUG on, and the MFA requirement off so that a first look needs no
# authenticator app (production keeps both defaults: DEBUG off, MFA required).
DEV := SECASSURE_DEBUG=$${SECASSURE_DEBUG:-true} SECASSURE_REQUIRE_MFA=$${SECASSURE_REQUIRE_MFA:-false}

run: $(VENV)/.installed
	$(DEV) $(BIN)/secassure migrate --noinput
	$(DEV) $(BIN)/secassure demo
	@echo "secassure is starting at http://$(HOST):$(PORT)/ (stop it with Ctrl-C)"
	$(DEV) $(BIN)/secassure runserver $(HOST):$(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check secassure tests bench docs
	$(BIN)/lint-imports --no-cache

# The suite runs in one process per core (pytest-xdist), at most four: each process builds its own
# test database from the migrations, which a fifth would spend more time on than it saves. Tests
# are handed out one at a time as processes come free (--maxschedchunk=1), so that the slow
# end-to-end tests, which pytest-django runs after the others, are shared out rather than queued
# on one process. These options are given here and in .ci/run, not in pyproject.toml, so that
# pytest run by hand on one file stays in one process (and stops at a breakpoint).
# `make test WORKERS=0` runs the suite in one process.
WORKERS ?= auto

test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -n $(WORKERS) --maxprocesses=4 --maxschedchunk=1

# Every benchmark with a target, then one table of every target, measured figure and ratio
# (bench/summary.py); it fails if any benchmark did. serve.py runs SERVE_SECONDS on each database
# (60, as when run on its own; `make bench SERVE_SECONDS=10` for a quicker, rougher figure).
# `make bench SCALE=1` adds bench/scale.py, which takes about two minutes more.
SERVE_SECONDS ?= 60

bench: $(VENV)/.installed
	$(BIN)/python bench/summary.py --serve-seconds $(SERVE_SECONDS) $(if $(filter-out 0,$(SCALE)),--scale)

clean:
	rm -rf $(VENV) var/test-*
