# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
export PIP_CONSTRAINT := $(abspath $(CONSTRAINTS))
export DAGSTER_HOME := $(abspath .)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: venv demo test test-fast test-vllm ui validate benchmarks clean

# The demo and the UI launch sample-scale settings (the tiny model, the bundled sample dump), so a
# Materialize click after `make demo` repeats the demo. `MAMMOTH_PROFILE=paper make ui` for the
# papers' settings (see mammoth_assets/defs/profiles.py).
demo ui: export MAMMOTH_PROFILE ?= sample

venv: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	# torch first and pinned: an unpinned torch pulls several GB of CUDA packages.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[train,test]'
	touch $(STAMP)

## The main job: the whole graph materialized for the bundled sample dump, offline.
demo: $(STAMP)
	$(VENV)/bin/mammoth demo

## The test suite (what CI runs).
test: $(STAMP)
	$(PY) -m pytest -q

## Dagster UI on http://127.0.0.1:3000
ui: $(STAMP)
	$(VENV)/bin/dagster dev -w workspace.yaml

validate: $(STAMP)
	$(VENV)/bin/dagster definitions validate -w workspace.yaml

benchmarks: $(STAMP)
	for script in benchmarks/*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf data/dagster data/warehouse.duckdb data/staging
