"""Pages run on a pool of kernels: ``jobs`` at a time, each from an empty namespace, a dead kernel replaced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.report.run import run_report
from tests.report_helpers import record, write_notebook, write_params, write_portfolio

STAMP = """import json, time
from pathlib import Path
began = time.time()
time.sleep(3)
Path({out!r}).write_text(json.dumps([began, time.time()]))"""


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    return write_portfolio(tmp_path_factory.mktemp("portfolio"))


def _spans(tmp_path: Path, portfolio: Path, jobs: int) -> list[list[float]]:
    nbs, stamps = tmp_path / f"nbs{jobs}", tmp_path / f"stamps{jobs}"
    stamps.mkdir()
    for name in ("01_a", "02_b"):
        write_notebook(nbs / f"{name}.ipynb", STAMP.format(out=str(stamps / f"{name}.json")))
    params = write_params(tmp_path / f"p{jobs}.yaml", portfolio, jobs=jobs)
    result = run_report(params, tmp_path / f"reports{jobs}", nbs, echo=lambda _: None)
    assert result.status == "ok", result.message
    assert record(result.folder)["jobs"] == jobs
    return [json.loads((stamps / f"{name}.json").read_text()) for name in ("01_a", "02_b")]


def test_pages_run_at_once_up_to_jobs(tmp_path, portfolio):
    (a0, a1), (b0, b1) = _spans(tmp_path, portfolio, jobs=2)
    assert a0 < b1 and b0 < a1  # the two pages' runs overlap
    (a0, a1), (b0, b1) = _spans(tmp_path, portfolio, jobs=1)
    assert a1 <= b0 or b1 <= a0  # one after the other


def test_each_page_starts_from_an_empty_namespace_on_a_reused_kernel(tmp_path, portfolio):
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_first.ipynb", "leaked = 'from the first page'\nimport forecast.formatting")
    write_notebook(
        nbs / "02_second.ipynb",
        "import sys\nfrom pathlib import Path\n"
        "assert 'leaked' not in globals(), 'a name from the page before'\n"
        "assert 'forecast.formatting' in sys.modules  # the same kernel: its imports stay\n"
        "assert (Path(run_folder) / '.run-data.pickle').is_file()  # the run's shared forecast\n"
        "print('clean')",
    )
    params = write_params(tmp_path / "p.yaml", portfolio, jobs=1)
    result = run_report(params, tmp_path / "reports", nbs, echo=lambda _: None)
    assert result.status == "ok", result.message
    assert "clean" in (result.folder / "02_second.html").read_text(encoding="utf-8")


def test_a_page_whose_kernel_dies_fails_alone(tmp_path, portfolio):
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_crash.ipynb", "import os\nos._exit(1)")
    write_notebook(nbs / "02_after.ipynb", "print('after the crash')")
    params = write_params(tmp_path / "p.yaml", portfolio, jobs=1)
    result = run_report(params, tmp_path / "reports", nbs, echo=lambda _: None)
    states = {nb["name"]: (nb["status"], nb["error"]) for nb in result.record["notebooks"]}
    assert result.status == "failed" and states["02_after"] == ("ok", None)
    assert states["01_crash"][0] == "failed" and "kernel" in states["01_crash"][1].lower()
    assert "after the crash" in (result.folder / "02_after.html").read_text(encoding="utf-8")


def test_kernels_give_no_transport_warning(tmp_path, portfolio):
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_x.ipynb", "print('x')")
    params = write_params(tmp_path / "p.yaml", portfolio)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "forecast.cli",
            "report",
            "--params",
            str(params),
            "--out",
            str(tmp_path / "reports"),
            "--notebooks",
            str(nbs),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "TCP" not in run.stderr and "encryption" not in run.stderr
    assert "run ok" in run.stdout
