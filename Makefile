# Quick start: `make report` (full report on the bundled data) and `make test`.
# Each target creates .venv and installs the kit on first use (and again when pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= params/baseline.yaml
OUT    ?= reports

.PHONY: setup report predict test lint bench lab sample clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "forecast needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name forecast --display-name "forecast (kit)" >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/forecast report --params $(PARAMS) --out $(OUT)

predict: $(STAMP)
	$(BIN)/forecast predict --params $(PARAMS)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/run.py

# JupyterLab on notebooks/ with the kit's kernel (Jupyter refuses root unless told; containers often run as root)
lab: $(STAMP)
	$(BIN)/jupyter lab --MappingKernelManager.default_kernel_name=forecast $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

sample: $(STAMP)
	$(BIN)/forecast sample --out data/sample/synthetic-2025

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
