# Two entry points: `make demo` (run the platform with demo data) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/minzheng/static/vendor/.installed

.PHONY: demo test test-sqlite test-postgres install vendor clean lock lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# requirements.lock pins every package (pip-compile from pyproject.toml), so an offline mirror
# or a second machine installs the same versions; refresh it with `make lock`.
$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

lock: | $(BIN)/python
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile --quiet --extra test --extra spark --strip-extras --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

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
