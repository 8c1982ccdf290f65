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

.PHONY: help run test lint typecheck pytest install clean bench

help:
	@echo "make run   install what is missing, then serve CourseVault on http://127.0.0.1:8000"
	@echo "make test  install what is missing, then run ruff, mypy and every test"

$(PY):
	@if [ -z "$(PYTHON)" ]; then \
		echo "CourseVault needs Python 3.13 or newer and none was found."; \
		echo "Install one (e.g. 'pyenv install 3.13', 'apt-get install python3.13' or 'uv python install 3.13')"; \
		echo "or name it: make PYTHON=/path/to/python3.13 $(MAKECMDGOALS)"; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/coursevault serve --host 127.0.0.1 --port 8000

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: lint typecheck pytest

bench: install
	PYTHONPATH=. $(PY) bench/transcode.py
	PYTHONPATH=. $(PY) bench/delivery.py
	PYTHONPATH=. $(PY) bench/viewers.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
