# The two commands of the README:
#   make run   - set up .venv, build the graph from the bundled sample, serve it on http://127.0.0.1:5000
#   make test  - set up .venv (and the browser/tools the tests drive), run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STORE ?= .kg
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test venv test-deps lint bench clean

$(BIN)/kg: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/kg

venv: $(BIN)/kg

run: venv
	$(BIN)/kg build --store $(STORE)
	$(BIN)/kg serve --store $(STORE) --host $(HOST) --port $(PORT)

test-deps: venv
	./scripts/setup_test_deps.sh

test: test-deps
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check kg web scripts tests

clean:
	rm -rf $(STORE) build dist *.egg-info .pytest_cache
