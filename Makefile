# sohoa — two commands from a clean clone: `make demo` and `make test`.
# Each installs what it needs: Debian packages through apt-get when missing, a .venv, the project.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie poppler-utils fonts-dejavu-core fonts-liberation2 fonts-noto-core
# Only the tests need a browser: the web UI is tested in Debian's headless Chromium.
TEST_APT_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test lint system system-test apt install clean devset bench

demo: install ## digitise sample_scans/ into ./data/sohoa.db and print the summary
	$(BIN)/sohoa digitise sample_scans/

test: system-test $(STAMP) ## run the whole test suite (PostgreSQL tests need the server at 127.0.0.1:5432)
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check pipeline extractors flows tests
	$(BIN)/ruff format --check pipeline extractors flows tests

install: system $(STAMP)

system:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES)"

system-test:
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_PACKAGES) $(TEST_APT_PACKAGES)"

apt:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@echo "Installing sohoa and its pinned dependencies into $(VENV)/ (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e ".[dev]"; } \
	  > $(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

devset: install ## generate the dev set (devset/dev, devset/fit) and held-out forms (devset/held-out); see docs/devset.md
	nice -n 10 $(BIN)/sohoa samples devset/dev --n 270 --seed 2026 --all-profiles --workers 2
	nice -n 10 $(BIN)/sohoa samples devset/fit --n 270 --seed 2027 --all-profiles --workers 2
	nice -n 10 $(BIN)/sohoa samples devset/held-out --n 40 --seed 7 --layouts held-out --workers 2

BENCH_ARGS ?= --pages 200 --memory-pages 1000
bench: install ## sohoa vs bare Tesseract vs OCRmyPDF, re-run, 1,000-page memory (docs/benchmarks.md; ~25 min)
	$(BIN)/python -m pip install -q "ocrmypdf==17.13.0"
	$(BIN)/python -m pipeline.bench --out reports/bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
