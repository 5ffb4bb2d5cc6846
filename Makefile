# Two entry points: `make demo` (run the platform with demo data) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/minzheng/static/vendor/.installed

.PHONY: demo test test-sqlite test-postgres install vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@

$(VENDOR): frontend/package.json frontend/package-lock.json
	bash scripts/vendor-frontend.sh
	touch $@

install: $(STAMP) $(VENDOR)

vendor: $(VENDOR)

demo: install
	$(BIN)/minzheng demo

test: install
	bash scripts/test.sh

clean:
	rm -rf $(VENV) var src/minzheng/static/vendor frontend/node_modules
