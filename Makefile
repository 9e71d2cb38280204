# One command for the main job (`make demo`), one for the tests (`make test`); both install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench models clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch first, pinned to the local CPU build, so nothing later pulls a CUDA build.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/docqa demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy corpus index qa ui

test: lint
	$(BIN)/python -m pytest

# Figures in the README; each script prints its table (benchmark data from ../shared/eval).
bench: $(STAMP)
	$(BIN)/python benchmarks/extraction.py --json benchmarks/results/extraction.json
	$(BIN)/python benchmarks/retrieval.py --embedder e5-small --json benchmarks/results/retrieval-e5-small.json
	$(BIN)/python benchmarks/answers.py --engines extractive --json benchmarks/results/answers-e5-small.json
	$(BIN)/python benchmarks/speed.py --json benchmarks/results/speed-e5-small.json

models: $(STAMP)
	$(BIN)/docqa models fetch

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
