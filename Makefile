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

# ---- the user's variables: taken literally, validated, always single-quoted for the shell
# `override X := $(value X)` keeps what the user typed as plain text: make never expands it
# (CPP='$(shell ...)' stays text) and recipes only ever see it as '...' via $(call q,...).
# ROUND and CPP are checked against the allowed names (need_round / need_cpp) as the FIRST
# command of every recipe that uses them, before any other command or rm sees them.
ifeq ($(origin ROUND),undefined)
ROUND := demo-2026
endif
# CPP is also make's built-in C-preprocessor variable ("cc -E"): drop that default
ifeq ($(origin CPP),default)
CPP :=
endif
override ROUND := $(value ROUND)
override CPP := $(value CPP)
override JOBS := $(value JOBS)
override FORCE := $(value FORCE)
override LAB_ARGS := $(value LAB_ARGS)
override PYTEST_ARGS := $(value PYTEST_ARGS)
override PYTHON_SYS := $(value PYTHON_SYS)

# q: one shell word, single-quoted ('it'\''s'), whatever the text holds
q = '$(subst ','\'',$(1))'
# the patterns of cpsa.config.ROUND_NAME and cpsa.config.SLUG_NAME (at most 64 characters)
ROUND_RE := ^([a-z]+-)?[0-9]{4}[a-z0-9-]*$$
CPP_RE := ^[a-z0-9]+(-[a-z0-9]+)*$$
need_round = r=$(call q,$(ROUND)); re='$(ROUND_RE)'; \
  if [[ ! $$r =~ $$re || $${\#r} -gt 64 ]]; then \
    printf 'make: ROUND=%q is not a round name: use the year (2026), optionally with a lower-case prefix or suffix joined by "-" (demo-2026, 2026-pilot); only a-z, 0-9 and "-"\n' "$$r" >&2; exit 2; fi
need_cpp = c=$(call q,$(CPP)); re='$(CPP_RE)'; \
  if [[ ! $$c =~ $$re || $${\#c} -gt 64 ]]; then \
    printf 'make: CPP=%q is not a CPP slug: lower-case letters and digits joined by single "-" (e.g. CPP=perth-and-kinross)\n' "$$c" >&2; exit 2; fi
need_jobs = j=$(call q,$(JOBS)); \
  if [[ -n $$j && ! $$j =~ ^[1-9][0-9]{0,3}$$ ]]; then \
    printf 'make: JOBS=%q must be a whole number of parallel reports (e.g. JOBS=4)\n' "$$j" >&2; exit 2; fi
need_force = f=$(call q,$(FORCE)); \
  if [[ -n $$f && $$f != 0 && $$f != 1 ]]; then \
    printf 'make: FORCE=%q must be 1 (rebuild even if up to date) or 0\n' "$$f" >&2; exit 2; fi
FORCE_ARG = $(if $(filter 1,$(FORCE)),--force)
JOBS_ARG = $(if $(JOBS),--jobs $(call q,$(JOBS)))

.PHONY: help venv lock test lint format reports report national verify lab bench demo-data ingest tables params known-good clean clean-outputs

help: ## list the targets with one line of help each
	@printf 'cpsa — make targets (ROUND=%s):\n' $(call q,$(ROUND))
	@if [ -t 1 ]; then b=$$'\033[1m'; n=$$'\033[0m'; else b=''; n=''; fi; \
	  grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk -v b="$$b" -v n="$$n" 'BEGIN {FS = ":.*## "}; {printf "  %s%-14s%s %s\n", b, $$1, n, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@echo "Setting up $(VENV) from requirements.lock ..."
	@test -x $(PY) || $(call q,$(PYTHON_SYS)) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "$$(grep -E '^uv==' requirements.lock)"
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@$(VENV)/bin/uv pip install --quiet --python $(PY) --no-deps -e .
	@$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cpsa)" >/dev/null
	@touch $(STAMP)
	@echo "$(VENV) ready (kernel '$(KERNEL)' registered)."

venv: $(STAMP) ## create or refresh the pinned virtual environment (.venv)

lock: ## re-resolve dependencies into requirements.lock and environment.yml
	@test -x $(VENV)/bin/uv || { $(call q,$(PYTHON_SYS)) -m venv $(VENV) && $(PY) -m pip install --quiet uv; }
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
	@read -ra args <<< $(call q,$(PYTEST_ARGS)); $(VENV)/bin/pytest "$${args[@]}"

reports: $(STAMP) ## build every report of ROUND (default demo-2026): HTML + PDF, incremental, parallel [FORCE=1] [JOBS=n]
	@$(need_round); $(need_jobs); $(need_force)
	$(CPSA) build --round $(call q,$(ROUND)) $(JOBS_ARG) $(FORCE_ARG)

report: $(STAMP) ## build one CPP's report: make report ROUND=<round> CPP=<slug> [FORCE=1]
	@test -n $(call q,$(CPP)) || { printf 'make report needs CPP=<slug>, e.g. make report ROUND=%s CPP=angus\n' $(call q,$(ROUND)) >&2; exit 2; }
	@$(need_round); $(need_cpp); $(need_force)
	$(CPSA) build --round $(call q,$(ROUND)) --cpp $(call q,$(CPP)) $(FORCE_ARG)

national: $(STAMP) ## build the national overview only: make national ROUND=<round> [FORCE=1]
	@$(need_round); $(need_force)
	$(CPSA) build --round $(call q,$(ROUND)) --national-only $(FORCE_ARG)

verify: $(STAMP) ## re-execute from committed params, compare every number and check delivered files: make verify ROUND= [CPP=]
	@$(need_round); $(if $(CPP),$(need_cpp))
	$(CPSA) verify --round $(call q,$(ROUND)) $(if $(CPP),--cpp $(call q,$(CPP)))

lab: $(STAMP) ## JupyterLab with the project's 'cpsa' kernel [LAB_ARGS="--no-browser --port=8888"]
	@args=(--notebook-dir=notebooks); \
	  if [ "$$(id -u)" = 0 ]; then args+=(--allow-root); fi; \
	  read -ra extra <<< $(call q,$(LAB_ARGS)); \
	  set -x; exec $(VENV)/bin/jupyter lab "$${args[@]}" "$${extra[@]}"

bench: $(STAMP) ## performance benchmark (writes outputs/bench/)
	$(PY) benchmarks/run.py

demo-data: $(STAMP) ## regenerate the synthetic demo rounds in data/demo (seeded, deterministic)
	$(CPSA) demo-data

ingest: $(STAMP) ## validate ROUND's export and write data/processed/ROUND
	@$(need_round)
	$(CPSA) ingest --round $(call q,$(ROUND))

tables: $(STAMP) ## compute ROUND's statistics into outputs/ROUND/tables
	@$(need_round)
	$(CPSA) tables --round $(call q,$(ROUND))

params: $(STAMP) ## write the Papermill parameters of ROUND into params/ROUND
	@$(need_round)
	$(CPSA) params --round $(call q,$(ROUND))

known-good: $(STAMP) ## recompute tests/known_good deliberately; then review: git diff tests/known_good
	$(PY) tests/known_good/refresh.py

clean-outputs: ## delete outputs/ROUND (reports, tables, notebooks) and data/processed/ROUND
	@$(need_round)
	rm -rf -- outputs/$(call q,$(ROUND)) data/processed/$(call q,$(ROUND))

clean: ## delete the virtual environment and every generated file
	rm -rf $(VENV) outputs data/processed .pytest_cache .ruff_cache .hypothesis
