"""Pages run on a pool of kernels: ``jobs`` at a time, each from an empty namespace, a dead kernel replaced.

Two report runs serve the four tests (a run costs a kernel start and the run's forecast): two pages at a time
through the command line, and one page at a time where the first page leaves a name behind, the second checks it is
gone, the third kills its kernel and the fourth runs on the replacement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.report.run import run_report
from tests.report_helpers import record, run_folders, write_notebook, write_params, write_portfolio

pytestmark = pytest.mark.report

STAMP = """import json, time
from pathlib import Path
began = time.time()
time.sleep(3)
Path({out!r}).write_text(json.dumps([began, time.time()]))"""


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    return write_portfolio(tmp_path_factory.mktemp("portfolio"))


def _stamps(folder: Path) -> list[list[float]]:
    return [json.loads((folder / f"{name}.json").read_text()) for name in ("01_a", "02_b")]


@pytest.fixture(scope="module")
def two_at_a_time(tmp_path_factory, portfolio):
    """``forecast report`` as a user runs it, two pages at a time: each page sleeps 3 s between two time stamps."""
    tmp = tmp_path_factory.mktemp("jobs2")
    nbs, stamps = tmp / "nbs", tmp / "stamps"
    stamps.mkdir()
    for name in ("01_a", "02_b"):
        write_notebook(nbs / f"{name}.ipynb", STAMP.format(out=str(stamps / f"{name}.json")))
    params = write_params(tmp / "p.yaml", portfolio, jobs=2)
    command = [sys.executable, "-m", "forecast.cli", "report", "--params", str(params), "--out", str(tmp / "reports")]
    run = subprocess.run([*command, "--notebooks", str(nbs)], capture_output=True, text=True, timeout=600, check=False)
    return run, run_folders(tmp / "reports"), stamps


@pytest.fixture(scope="module")
def one_at_a_time(tmp_path_factory, portfolio):
    """One page at a time: 01 stamps its span and leaves a name and an import, 02 stamps its span and checks what it
    finds, 03 kills its kernel, 04 prints."""
    tmp = tmp_path_factory.mktemp("jobs1")
    nbs, stamps = tmp / "nbs", tmp / "stamps"
    stamps.mkdir()
    write_notebook(
        nbs / "01_a.ipynb",
        "leaked = 'from the first page'\nimport forecast.formatting",
        STAMP.format(out=str(stamps / "01_a.json")),
    )
    write_notebook(
        nbs / "02_b.ipynb",
        "import sys\nfrom pathlib import Path\n"
        "assert 'leaked' not in globals(), 'a name from the page before'\n"
        "assert 'forecast.formatting' in sys.modules  # the same kernel: its imports stay\n"
        "assert (Path(run_folder) / '.run-data.pickle').is_file()  # the run's shared forecast\n"
        "print('clean')",
        STAMP.format(out=str(stamps / "02_b.json")),
    )
    write_notebook(nbs / "03_crash.ipynb", "import os\nos._exit(1)")
    write_notebook(nbs / "04_after.ipynb", "print('after the crash')")
    params = write_params(tmp / "p.yaml", portfolio, jobs=1)
    return run_report(params, tmp / "reports", nbs, echo=lambda _: None), stamps


def test_pages_run_at_once_up_to_jobs(two_at_a_time, one_at_a_time):
    run, [folder], stamps = two_at_a_time
    assert run.returncode == 0, run.stderr[-2000:]
    assert record(folder)["jobs"] == 2
    (a0, a1), (b0, b1) = _stamps(stamps)
    assert a0 < b1 and b0 < a1  # the two pages' runs overlap
    result, stamps = one_at_a_time
    assert record(result.folder)["jobs"] == 1
    (a0, a1), (b0, b1) = _stamps(stamps)
    assert a1 <= b0 or b1 <= a0  # one after the other


def test_each_page_starts_from_an_empty_namespace_on_a_reused_kernel(one_at_a_time):
    result, _ = one_at_a_time
    states = {nb["name"]: (nb["status"], nb["error"]) for nb in result.record["notebooks"]}
    assert states["01_a"] == ("ok", None) and states["02_b"] == ("ok", None)
    assert "clean" in (result.folder / "02_b.html").read_text(encoding="utf-8")


def test_a_page_whose_kernel_dies_fails_alone(one_at_a_time):
    result, _ = one_at_a_time
    states = {nb["name"]: (nb["status"], nb["error"]) for nb in result.record["notebooks"]}
    assert result.status == "failed" and states["04_after"] == ("ok", None)
    assert states["03_crash"][0] == "failed" and "kernel" in states["03_crash"][1].lower()
    assert [name for name, (status, _) in states.items() if status != "ok"] == ["03_crash"]
    assert "after the crash" in (result.folder / "04_after.html").read_text(encoding="utf-8")


def test_kernels_give_no_transport_warning(two_at_a_time):
    run, _, _ = two_at_a_time
    assert run.returncode == 0, run.stderr[-2000:]
    assert "TCP" not in run.stderr and "encryption" not in run.stderr
    assert "run ok" in run.stdout
