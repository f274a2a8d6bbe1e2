# Two commands on a fresh machine with only Python and make:  make demo   |   make test
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev

.PHONY: demo test test-fast bench lint data install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m gazetteer.demo

test: $(STAMP)
	$(PY) -m pytest -q

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

bench: $(STAMP)
	$(PY) -m benchmarks.run

lint: $(STAMP)
	$(PY) -m ruff check gazetteer tests benchmarks
	$(PY) -m ruff format --check gazetteer tests benchmarks

# Rebuild the bundled extract from its sources (gazetteer/build/sources: codifier csv, GeoNames UA.zip, facts).
data: $(STAMP)
	$(VENV)/bin/gazetteer data build --out data

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
