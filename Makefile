# Developer entry points. `make demo` and `make test` work on a fresh machine
# with python3 (>= 3.11): they create .venv and install everything into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS := dev,cli,postgres,dask,parquet,fast
PLUGINS := plugins/mentorkit-accounting plugins/mentorkit-product-standards \
           plugins/mentorkit-referrals docs/examples/mentorkit-example-rubric \
           tests/fixtures/mentorkit-fixture-plugin
STAMP := $(VENV)/.installed-stamp
SOURCES := pyproject.toml $(foreach p,$(PLUGINS),$(p)/pyproject.toml)

.PHONY: install demo test lint typecheck check clean

$(STAMP): $(SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" $(foreach p,$(PLUGINS),-e $(p))
	touch $(STAMP)

install: $(STAMP)

## The analyst's demo: import a synthetic cohort, assess, refer, report (SQLite).
## Only the plugins mentorkit ships are loaded (the venv also holds test fixtures).
DEMO_PLUGINS := accounting,product_standards,referrals
demo: $(STAMP)
	$(BIN)/mentorkit --plugins $(DEMO_PLUGINS) demo --out out

## The whole test suite (core, plugins, docs examples).
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
