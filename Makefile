# Two commands on a fresh machine:
#   make run   - install everything, build the index if missing or stale, start the web app
#   make test  - install everything (plus Chromium for browser tests) and run the test suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 7860

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run test install index browser lint typecheck eval eval-gate clean

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and by itself: this takes the local CPU wheel, not GBs of CUDA.
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/assistant index

run: index
	$(BIN)/python app.py --host $(HOST) --port $(PORT)

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: install browser
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/mypy
	$(BIN)/pytest

eval: index
	$(BIN)/assistant eval eval/suites/*.yaml --out eval/reports/latest/results.jsonl --report eval/reports/latest

eval-gate: index
	$(BIN)/assistant eval eval/suites/*.yaml --gate promises --gate-refusal-suites off_corpus,adversarial --gate-known eval/gate_known.yaml --out eval/reports/ci/results.jsonl --report eval/reports/ci

clean:
	rm -rf $(VENV) index/v-* index/CURRENT data
