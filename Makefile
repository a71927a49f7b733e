# The two commands (see README): `make demo` runs the main job, `make test` runs the tests.
# Each creates .venv and installs what it needs from the package registry.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ../shared/data
# one workspace per dataset: `make demo DATASET=online-retail` after `make demo` must not mix the
# two shops into one release (the workspace's shop.json also refuses another dataset)
WORKSPACES := shopmind-data
WORKSPACE ?= $(WORKSPACES)/$(DATASET)

.PHONY: demo test explore lint bench-deps clean

$(STAMP): pyproject.toml setup.py $(wildcard src/shopmind/search/e5engine/*.c src/shopmind/search/e5engine/*.h src/shopmind/recommend/*.c)
	@echo "installing shopmind and its pinned packages into $(VENV) (a few minutes on a fresh clone)"
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

DATASET ?= demo
PORT ?= 8000

demo: $(STAMP)
	$(BIN)/shopmind demo --dataset $(DATASET) --data $(DATA) --workspace $(WORKSPACE) --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	SHOPMIND_DATA=$(DATA) $(BIN)/pytest -q

# The property tests with random seeds and 10x the examples (make test runs them derandomized:
# tests/conftest.py); pin what this finds with @example.
explore: $(STAMP)
	HYPOTHESIS_PROFILE=explore SHOPMIND_DATA=$(DATA) $(BIN)/pytest -q $$(grep -l "from hypothesis" tests/test_*.py)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

bench-deps: $(STAMP)
	$(BIN)/pip install -q -e ".[test,bench]"

clean:
	rm -rf $(VENV) demo-shop $(WORKSPACES) .pytest_cache .ruff_cache
