# Two commands on a fresh machine:
#   make run   - install everything, build the index if missing or stale, start the web app
#   make test  - install everything (plus Chromium for browser tests and PostgreSQL for the
#                scale-out test) and run the test suite
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

.PHONY: run test install index browser postgres lint typecheck eval eval-gate clean

# Progress: a numbered line per step, and pip's own per-package lines and progress bars.
PIP := $(BIN)/pip install --disable-pip-version-check --progress-bar on

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	@echo "==> [1/3] virtual environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# torch first and by itself: this takes the local CPU wheel, not GBs of CUDA.
	@echo "==> [2/3] torch (CPU wheel)"
	$(PIP) torch==2.13.0
	@echo "==> [3/3] the assistant and its pinned dependencies (first run: a few minutes)"
	$(PIP) -c constraints.txt -e '.[dev]'
	@touch $(STAMP)
	@echo "==> installed"

install: $(STAMP)

index: install
	@echo "==> index: building or updating (unchanged files are skipped)"
	$(BIN)/assistant index

run: index
	@echo "==> serving on http://$(HOST):$(PORT)/ (make run HOST=0.0.0.0 PORT=8080 to change)"
	$(BIN)/python app.py --host $(HOST) --port $(PORT)

browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# PostgreSQL for the scale-out test (tests/test_scaleout.py starts its own throw-away cluster).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

test: install browser postgres
	$(BIN)/ruff check assistant tests app.py
	$(BIN)/mypy
	$(BIN)/pytest

eval: index
	$(BIN)/assistant eval eval/suites/*.yaml --out eval/reports/latest/results.jsonl --report eval/reports/latest

eval-gate: index
	$(BIN)/assistant eval eval/suites/*.yaml --gate promises --gate-refusal-suites off_corpus,adversarial --gate-known eval/gate_known.yaml --out eval/reports/ci/results.jsonl --report eval/reports/ci

clean:
	rm -rf $(VENV) index/v-* index/CURRENT data
