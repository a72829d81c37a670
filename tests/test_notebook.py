"""The notebooks' contract: thin, committed without outputs, a described ``parameters`` cell, validated once."""

import ast
import shutil
from datetime import date

import nbformat
import pytest
from papermill.inspection import inspect_notebook

from forecast import load_snapshots, paths
from forecast.config.params import load_params, parse_params
from forecast.data.question import SYNTHETIC_WARNING
from forecast.errors import ParamsError
from forecast.notebook import AGENCY_PARAMETER, PARAMETERS_CELL, RUNNER_PARAMETERS, banner, notebook_params

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
def test_the_parameters_cell_is_the_one_shared_cell_and_describes_each_parameter(path):
    """One cell for every notebook (forecast.notebook.PARAMETERS_CELL), not seven copies going stale (#26)."""
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    agency = path.parent.name == "templates"
    assert tagged[0].source == PARAMETERS_CELL + ("\n" + AGENCY_PARAMETER if agency else "")
    described = inspect_notebook(str(path))  # what `papermill --help-notebook` prints
    assert list(described) == ["params_file", "overrides", "run_folder", *(["agency"] if agency else [])]
    assert set(described) - {"params_file", "overrides"} <= set(RUNNER_PARAMETERS)
    for name, info in described.items():
        assert info["help"].strip(), f"{name} needs a comment saying what it is"
        assert info["inferred_type_name"] != "None", f"{name} needs a type annotation"
    defaults = {}
    exec(tagged[0].source, {}, defaults)  # the defaults themselves are valid parameters
    assert defaults["run_folder"] == ""  # opened by hand, a notebook computes the run's forecast itself


def test_a_params_file_and_overrides_or_the_keys_of_an_earlier_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    baseline = paths.PARAMS_DIR / "baseline.yaml"
    params = notebook_params({"params_file": str(baseline), "overrides": {"sims": 300, "as_of": "2025-11-27"}})
    assert (params.sims, params.as_of, params.source) == (300, date(2025, 11, 27), baseline)
    assert params.scenarios == load_params(baseline).scenarios  # the file's, not the examples
    earlier = notebook_params({"sims": 300, "as_of": "2025-11-27", "run_folder": ""})  # keys one by one
    assert (earlier.sims, earlier.as_of) == (300, date(2025, 11, 27))
    with pytest.raises(ParamsError, match="'sims'"):
        notebook_params({"params_file": str(baseline), "overrides": {"sims": 0}})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_defaults_are_the_bundled_sample_wherever_the_notebook_is(path, tmp_path, monkeypatch):
    """A notebook copied out of notebooks/ runs in another folder (#25): no default is a path relative to it."""
    defaults: dict = {}
    exec(
        next(c for c in nbformat.read(path, as_version=4).cells if "parameters" in c.metadata.get("tags", [])).source,
        {},
        defaults,
    )
    monkeypatch.chdir(tmp_path)
    params = notebook_params(defaults)
    assert (params.snapshots, params.published) == (paths.SAMPLE_DIR, paths.PUBLISHED_FIGURES)
    assert params.scenarios == load_params(paths.PARAMS_DIR / "baseline.yaml").scenarios  # the kit's baseline's
    assert len(params.scenarios) == 3 and all(p.is_file() for p in params.scenarios)


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


def test_banner_warns_of_synthetic_data_and_keeps_paths_and_hashes_in_a_collapsed_box():
    snaps = load_snapshots(paths.SAMPLE_DIR)
    html = banner(parse_params({"snapshots": str(paths.SAMPLE_DIR)}), snaps).data
    shown, _, box = html.partition("<details")
    assert SYNTHETIC_WARNING in shown and "data as of 4 Dec 2025 · deadline 31 Dec 2025" in shown
    assert snaps.fingerprint not in shown and str(paths.SAMPLE_DIR) not in shown  # no hash or machine path on show
    assert box.startswith(' style="font-size:13px;color:#555"><summary>About this run</summary>')  # closed: no "open"
    assert snaps.fingerprint in box and str(paths.SAMPLE_DIR) in box
    odd = parse_params({"snapshots": "/data/<b>x</b>", "scenario": "b.x"})
    assert "&lt;b&gt;" not in banner(odd, snaps).data  # the data given once: the folder the snapshots came from


def test_the_banner_escapes_the_folder_it_names(tmp_path):
    folder = tmp_path / "<b>x</b>"
    shutil.copytree(paths.SAMPLE_DIR, folder)
    html = banner(parse_params({"snapshots": str(folder)}), load_snapshots(folder)).data
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def _execute_copy(name: str, folder, **parameters):
    """The kit's notebook ``name`` copied into ``folder`` (out of the project) and executed there with
    ``parameters`` injected, as JupyterLab or papermill would: the executed notebook, and the error if a cell
    failed."""
    import shutil

    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from papermill.parameterize import parameterize_notebook

    copy = shutil.copy(paths.NOTEBOOKS_DIR / name, folder / name)
    nb = nbformat.read(copy, as_version=4)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill reads every cell's tags and its own metadata
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters, kernel_name="forecast", language="python")
    try:
        NotebookClient(nb, kernel_name="forecast", timeout=600, resources={"metadata": {"path": str(folder)}}).execute()
    except CellExecutionError as exc:
        return nb, exc
    return nb, None


def _errors(nb) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]


@pytest.mark.report
def test_a_notebook_copied_out_of_the_project_runs_on_the_bundled_sample(tmp_path):
    """#25: the parameters cell once hard-coded ../data/sample/synthetic-2025, so a copy died with a traceback."""
    nb, error = _execute_copy("00_summary.ipynb", tmp_path, sims=200)
    assert error is None and not _errors(nb)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert SYNTHETIC_WARNING in shown and "data as of 4 Dec 2025" in shown  # the bundled sample, as the CLI's default
    assert "472 open tasks" in "".join(
        o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", [])
    )


@pytest.mark.report
def test_a_bad_path_gets_the_kits_one_line_error_not_a_traceback(tmp_path):
    nb, error = _execute_copy("00_summary.ipynb", tmp_path, snapshots=str(tmp_path / "no-such-folder"))
    assert error is not None
    [output] = _errors(nb)
    assert len(output.traceback) == 1 and output.traceback[0].startswith("forecast: error: ")
    assert str(tmp_path / "no-such-folder") in output.traceback[0] and "Traceback" not in output.traceback[0]
