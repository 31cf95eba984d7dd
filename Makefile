# cpsa — National Community Planning Self-Assessment reporting pipeline.
# `make` lists the targets. Every target that needs Python depends on the
# .venv stamp, which is rebuilt whenever the lock file changes.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON_SYS ?= python3
VENV := .venv
STAMP := $(VENV)/.cpsa-stamp
PY := $(VENV)/bin/python
CPSA := $(VENV)/bin/cpsa
KERNEL := cpsa
ROUND ?= demo-2026
# CPP is also make's built-in C-preprocessor variable ("cc -E"): drop that default
ifeq ($(origin CPP),default)
CPP :=
endif
JOBS ?=
PYTEST_ARGS ?=

.PHONY: help venv lock test lint format reports report national verify lab bench demo-data ingest tables params known-good clean clean-outputs

help: ## list the targets with one line of help each
	@echo "cpsa — make targets (ROUND=$(ROUND)):"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@echo "Setting up $(VENV) from requirements.lock ..."
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "$$(grep -E '^uv==' requirements.lock)"
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	@$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cpsa)" >/dev/null
	@touch $(STAMP)
	@echo "$(VENV) ready (kernel '$(KERNEL)' registered)."

venv: $(STAMP) ## create or refresh the pinned virtual environment (.venv)

lock: ## re-resolve dependencies into requirements.lock and environment.yml
	@test -x $(VENV)/bin/uv || { $(PYTHON_SYS) -m venv $(VENV) && $(PY) -m pip install --quiet uv; }
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --no-header --quiet -o requirements.lock
	$(PY) -m cpsa.lockfile requirements.lock environment.yml

lint: $(STAMP) ## ruff lint and format check, notebooks must have no outputs
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

format: $(STAMP) ## apply ruff formatting and fixes
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

test: $(STAMP) lint ## run the whole test suite (creates .venv if missing)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

reports: $(STAMP) ## build every report of ROUND (default demo-2026): HTML + PDF, incremental, parallel
	$(CPSA) build --round $(ROUND) $(if $(JOBS),--jobs $(JOBS))

report: $(STAMP) ## build one CPP's report: make report ROUND=<round> CPP=<slug>
	@test -n "$(CPP)" || { echo "make report needs CPP=<slug>, e.g. make report ROUND=$(ROUND) CPP=fife" >&2; exit 2; }
	$(CPSA) build --round $(ROUND) --cpp $(CPP)

national: $(STAMP) ## build the national overview only: make national ROUND=<round>
	$(CPSA) build --round $(ROUND) --national-only

verify: $(STAMP) ## re-execute from committed params and compare every number: make verify ROUND= [CPP=]
	$(CPSA) verify --round $(ROUND) $(if $(CPP),--cpp $(CPP))

lab: $(STAMP) ## JupyterLab with the project's 'cpsa' kernel
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP) ## performance benchmark (writes outputs/bench/)
	$(PY) benchmarks/run.py

demo-data: $(STAMP) ## regenerate the synthetic demo rounds in data/demo (seeded, deterministic)
	$(CPSA) demo-data

ingest: $(STAMP) ## validate ROUND's export and write data/processed/ROUND
	$(CPSA) ingest --round $(ROUND)

tables: $(STAMP) ## compute ROUND's statistics into outputs/ROUND/tables
	$(CPSA) tables --round $(ROUND)

params: $(STAMP) ## write the Papermill parameters of ROUND into params/ROUND
	$(CPSA) params --round $(ROUND)

known-good: $(STAMP) ## recompute tests/known_good deliberately; then review: git diff tests/known_good
	$(PY) tests/known_good/refresh.py

clean-outputs: ## delete outputs/ROUND (reports, tables, notebooks) and data/processed/ROUND
	rm -rf outputs/$(ROUND) data/processed/$(ROUND)

clean: ## delete the virtual environment and every generated file
	rm -rf $(VENV) outputs data/processed .pytest_cache .ruff_cache .hypothesis
