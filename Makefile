# The two commands of the README:
#   make demo   run modelspec over every example spec in specs/
#   make test   run the test suite
# Each sets up .venv/ first (scripts/setup.sh), so both work on a fresh clone.
PY := .venv/bin/python

.PHONY: setup demo test bench
setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) scripts/demo.py

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench
