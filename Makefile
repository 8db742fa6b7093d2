# The two commands of the README:
#   make demo   run modelspec over every example spec in specs/
#   make test   check style and types (ruff, mypy), then run the test suite
# Each sets up .venv/ first (scripts/setup.sh), so both work on a fresh clone.
PY := .venv/bin/python

.PHONY: setup demo test lint bench
setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) scripts/demo.py

test: setup lint
	$(PY) -m pytest -q

# Style is enforced: lint, format and types of the package (part of `make test`, so CI runs it).
lint: setup
	$(PY) -m ruff check modelspec
	$(PY) -m ruff format --check modelspec
	$(PY) -m mypy

bench: setup
	$(PY) -m bench
