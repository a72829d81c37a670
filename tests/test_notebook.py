"""The notebooks' contract: thin, committed without outputs, a described ``parameters`` cell, validated once."""

import ast
from datetime import date

import nbformat
import pytest
from papermill.inspection import inspect_notebook

from forecast import load_snapshots, paths
from forecast.errors import ParamsError
from forecast.notebook import PARAMETER_NAMES, RUNNER_PARAMETERS, banner, notebook_params
from forecast.params import parse_params
from forecast.question import SYNTHETIC_WARNING

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")) + sorted(paths.NOTEBOOKS_DIR.glob("templates/*.ipynb"))


def test_there_is_a_data_notebook():
    assert paths.NOTEBOOKS_DIR / "01_data.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin_and_output_free(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "forecast"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "commit notebooks without outputs"
        tree = ast.parse(cell.source)
        defined = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
        ]
        assert not defined, f"logic belongs in the forecast package, not in cells: {cell.source[:80]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_declares_and_describes_every_parameter(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    described = inspect_notebook(str(path))  # what `papermill --help-notebook` prints
    runner = ["run_folder", "agency"] if path.parent.name == "templates" else ["run_folder"]
    assert list(described) == [*PARAMETER_NAMES, *runner] and set(runner) <= set(RUNNER_PARAMETERS)
    for name, info in described.items():
        assert info["help"].strip(), f"{name} needs a comment saying what it is"
        assert info["inferred_type_name"] != "None", f"{name} needs a type annotation"
    defaults = {}
    exec(tagged[0].source, {}, defaults)  # the defaults themselves are valid parameters
    parsed = parse_params({k: v for k, v in defaults.items() if k in PARAMETER_NAMES}, base=path.parent)
    assert parsed.snapshots == paths.SAMPLE_DIR and all(p.is_file() for p in parsed.scenarios)
    assert defaults["run_folder"] == ""  # opened by hand, a notebook computes the run's forecast itself


def test_notebook_params_accepts_strings_and_dates_and_ignores_other_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {
        "as_of": "2025-12-04",
        "deadline": date(2025, 12, 31),
        "sims": 100,
        "snapshots": "data",
        "In": [],
        "display": print,
        "scenario": "baseline",
    }
    params = notebook_params(namespace)
    assert (params.as_of, params.deadline, params.sims) == (date(2025, 12, 4), date(2025, 12, 31), 100)
    assert params.snapshots == tmp_path / "data"


def test_notebook_params_rejects_bad_values_naming_the_key():
    with pytest.raises(ParamsError, match="'sims'"):
        notebook_params({"sims": -1})
    with pytest.raises(ParamsError, match="'deadline'"):
        notebook_params({"as_of": "2025-12-04", "deadline": "2025-11-01"})


def test_banner_warns_of_synthetic_data_and_escapes_text():
    snaps = load_snapshots(paths.SAMPLE_DIR)
    html = banner(parse_params({"snapshots": str(paths.SAMPLE_DIR)}), snaps).data
    assert SYNTHETIC_WARNING in html and snaps.fingerprint in html and "as of 2025-12-04" in html
    odd = parse_params({"snapshots": "/data/<b>x</b>"})
    assert "&lt;b&gt;x&lt;/b&gt;" in banner(odd, snaps).data
