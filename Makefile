# The two commands of the README: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test install build bench clean

## run: virtualenv, install, build the graph from data/, open the explorer at http://localhost:8501
run: build
	$(BIN)/kg ui --host $(HOST) --port $(PORT)

## test: install dev dependencies and run the whole suite
test: install
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

build: install
	$(BIN)/kg build

## bench: the benchmark suite at SIZES (default 100k,1m; `make bench SIZES=100k,1m,10m` for 10M);
## prints the table of docs/benchmarks.md and writes docs/benchmarks-suite.csv
SIZES ?= 100k,1m
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/suite.py --sizes $(SIZES)

clean:
	rm -rf $(VENV) .kg bench/out
