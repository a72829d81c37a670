# Quick start: `make report` (full report on the bundled data) and `make test`.
# Each target creates .venv and installs the kit on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= params/baseline.yaml
OUT    ?= reports
# pytest-xdist workers for make test (auto: one per core)
JOBS   ?= auto

BROWSER ?= chromium
# the explorer's browser test drives Chromium through Selenium with Debian's driver
DRIVER  ?= chromedriver
DRIVER_PACKAGE ?= chromium-driver
APT     ?= apt-get
SUDO    ?= $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: setup browser driver report predict test lint bench docs lab explorer sample clean messages

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "forecast needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,report,lab,docs]'
	@# jsonschema imports rfc3987-syntax (an optional extra that jupyter-events pulls in) when it is imported, and that
	@# module builds a grammar: 1.2 s in every process that imports altair or nbformat (each kernel, each report,
	@# each test worker). The kit validates no IRIs, so it goes; jsonschema does without it (pip check stays clean).
	@# Upstream: python-jsonschema/jsonschema#1428.
	$(BIN)/python -m pip uninstall --quiet -y rfc3987-syntax
	$(BIN)/python -m ipykernel install --sys-prefix --name forecast --display-name "forecast (kit)" >/dev/null
	@touch $(STAMP)

# The Vietnamese catalogue: re-extract the messages the kit marks (src/forecast) and the notebooks' markdown into
# src/forecast/locale/vi/LC_MESSAGES/forecast.po (new ones untranslated), then compile forecast.mo from it; it lists
# what is left to translate (tests/test_catalogue.py fails until none is)
messages: $(STAMP)
	$(BIN)/python -m forecast.present.catalogue vi

report: $(STAMP)
	$(BIN)/forecast report --params $(PARAMS) --out $(OUT)

predict: $(STAMP)
	$(BIN)/forecast predict --params $(PARAMS)

# The browser test opens a generated report in headless Chromium. Where it is missing and apt is there, Debian's
# package is installed (with sudo unless root); otherwise make stops with the instruction. Never skipped.
browser:
	@if ! command -v $(BROWSER) >/dev/null 2>&1 && command -v $(APT) >/dev/null 2>&1; then \
	  echo "installing $(BROWSER) for the browser test ($(SUDO) $(APT) install -y $(BROWSER))"; \
	  $(SUDO) $(APT) update -qq && $(SUDO) $(APT) install -y -qq $(BROWSER) >/dev/null; \
	fi
	@command -v $(BROWSER) >/dev/null 2>&1 || { echo "make test needs $(BROWSER) for the browser test and could \
	not install it: install it (Debian/Ubuntu: sudo apt-get install -y chromium), then run make test again" >&2; \
	exit 1; }

driver: browser
	@if ! command -v $(DRIVER) >/dev/null 2>&1 && command -v $(APT) >/dev/null 2>&1; then \
	  echo "installing $(DRIVER_PACKAGE) for the explorer's browser test ($(SUDO) $(APT) install -y $(DRIVER_PACKAGE))"; \
	  $(SUDO) $(APT) update -qq && $(SUDO) $(APT) install -y -qq $(DRIVER_PACKAGE) >/dev/null; \
	fi
	@command -v $(DRIVER) >/dev/null 2>&1 || { echo "make test needs $(DRIVER) for the explorer's browser test and \
	could not install it: install it (Debian/Ubuntu: sudo apt-get install -y $(DRIVER_PACKAGE)), then run make test \
	again" >&2; exit 1; }

# mypy (about 9 s of CPU without its cache, as on a fresh clone: pyproject skips the packages src never imports)
# runs beside the tests at low priority (nice): it takes the time the test workers leave idle (a notebook sleeping
# while a run waits for its time limit, a page waiting for another) rather than a core from them. Its report follows
# theirs and either failing fails the target. The tests run in the order tests/conftest.py gives (report and slow
# modules first), a module per worker.
test: $(STAMP) browser driver
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@log=$$(mktemp); echo "nice $(BIN)/mypy (beside the tests)"; nice $(BIN)/mypy >$$log 2>&1 & types=$$!; \
	echo "$(BIN)/python -m pytest -q -n $(JOBS) --dist loadscope --no-loadscope-reorder"; \
	$(BIN)/python -m pytest -q -n $(JOBS) --dist loadscope --no-loadscope-reorder; tests=$$?; \
	wait $$types; typed=$$?; cat $$log; rm -f $$log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark, its figures written to docs/performance.md (generated: date, commit, load); see bench/run.py
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The documentation site from docs/ (mkdocs.yml, Material) into site/: no network at build or view (no web fonts,
# no CDN, Material's offline plugin, so site/index.html opens from a file share); --strict fails on a broken link
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# JupyterLab on notebooks/ with the kit's kernel (Jupyter refuses root unless told; containers often run as root)
lab: $(STAMP)
	$(BIN)/jupyter lab --MappingKernelManager.default_kernel_name=forecast $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# the planner's explorer (notebooks/06_explorer.ipynb) as a page, without JupyterLab (Voilà; open the address it prints)
explorer: $(STAMP)
	cd notebooks && ../$(BIN)/voila 06_explorer.ipynb --no-browser

sample: $(STAMP)
	$(BIN)/forecast sample --out data/sample/synthetic-2025

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache site
