"""Pages run on a pool of kernels: ``jobs`` at a time, each from an empty namespace; a failing page or a dead kernel
fails that page alone and the run, and keeps the good run before it.

Two report runs into one folder serve the five tests (a run costs a kernel start and the run's forecast): two pages
at a time through the command line, each waiting until the other has begun; then one page at a time, where the first
page leaves a name behind, the second checks it is gone, the third raises, the fourth kills its kernel and the fifth
runs on the replacement. The pages import no module of the kit, so their kernels start bare."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.cli import main
from tests.report_helpers import record, run_folders, snapshot_tree, write_notebook, write_params, write_portfolio

pytestmark = pytest.mark.report

# A page's span: its start stamped in STAMPS/<name>.start, then it waits (at most ``wait`` seconds) until the other
# page's start is there, and stamps its end: two pages run at once see each other at once; one after the other, the
# first waits in vain and ends before the second begins.
STAMP = """import json, time
from pathlib import Path
stamps = Path({stamps!r})
began = time.time()
(stamps / "{name}.start").write_text(str(began))
while not (stamps / "{other}.start").exists() and time.time() < began + {wait}:
    time.sleep(0.05)
(stamps / "{name}.json").write_text(json.dumps([began, time.time()]))"""


def _stamp(stamps: Path, name: str, other: str, wait: float) -> str:
    return STAMP.format(stamps=str(stamps), name=name, other=other, wait=wait)


def _spans(stamps: Path) -> list[list[float]]:
    return [json.loads((stamps / f"{name}.json").read_text()) for name in ("01_a", "02_b")]


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    return write_portfolio(tmp_path_factory.mktemp("portfolio"))


@pytest.fixture(scope="module")
def two_at_a_time(tmp_path_factory, portfolio):
    """``forecast report`` as a user runs it, two pages at a time, each waiting up to 120 s for the other to begin
    (only a machine too loaded to start a kernel in that time makes them miss each other)."""
    tmp = tmp_path_factory.mktemp("jobs2")
    nbs, stamps = tmp / "nbs", tmp / "stamps"
    stamps.mkdir()
    for name, other in (("01_a", "02_b"), ("02_b", "01_a")):
        write_notebook(nbs / f"{name}.ipynb", _stamp(stamps, name, other, 120))
    params = write_params(tmp / "p.yaml", portfolio, jobs=2)
    command = [
        sys.executable,
        "-m",
        "forecast.cli",
        "report",
        "--params",
        str(params),
        "--out",
        str(tmp / "reports"),
    ]
    run = subprocess.run([*command, "--notebooks", str(nbs)], capture_output=True, text=True, timeout=600, check=False)
    return run, run_folders(tmp / "reports"), stamps


@pytest.fixture(scope="module")
def one_at_a_time(tmp_path_factory, portfolio, two_at_a_time):
    """One page at a time, by ``forecast report`` in this process, into the folder of the good run
    :func:`two_at_a_time` made: 01 leaves a name and an import behind and waits 3 s for 02 to begin (in vain, if
    the pages run one after the other), 02 checks what it finds, 03 raises, 04 kills its kernel, 05 prints.
    (exit status, stderr, the run folder, the good run's folder, every file of the good run before)."""
    _, [good], _ = two_at_a_time
    before = snapshot_tree(good)
    tmp = tmp_path_factory.mktemp("jobs1")
    nbs, stamps = tmp / "nbs", tmp / "stamps"
    stamps.mkdir()
    write_notebook(
        nbs / "01_a.ipynb",
        "leaked = 'from the first page'\nimport colorsys",
        _stamp(stamps, "01_a", "02_b", 3),
    )
    write_notebook(
        nbs / "02_b.ipynb",
        "import sys\nfrom pathlib import Path\n"
        "assert 'leaked' not in globals(), 'a name from the page before'\n"
        "assert 'colorsys' in sys.modules  # the same kernel: its imports stay\n"
        "assert (Path(run_folder) / '.run-data.pickle').is_file()  # the run's shared forecast\n"
        "print('clean')",
        _stamp(stamps, "02_b", "01_a", 3),
    )
    write_notebook(
        nbs / "03_fail.ipynb",
        'print("before the failure")',
        'raise ValueError("deliberate failure")',
        'print("never reached")',
    )
    write_notebook(nbs / "04_crash.ipynb", "import os\nos._exit(1)")
    write_notebook(nbs / "05_after.ipynb", "print('after the crash')")
    params = write_params(tmp / "p.yaml", portfolio, jobs=1)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["report", "--params", str(params), "--out", str(good.parent), "--notebooks", str(nbs)])
    [folder] = [f for f in run_folders(good.parent) if f != good]
    return code, err.getvalue(), folder, good, before, stamps


def _states(folder: Path) -> dict[str, tuple[str, str | None]]:
    return {nb["name"]: (nb["status"], nb["error"]) for nb in record(folder)["notebooks"]}


def test_pages_run_at_once_up_to_jobs(two_at_a_time, one_at_a_time):
    run, [folder], stamps = two_at_a_time
    assert run.returncode == 0, run.stderr[-2000:]
    assert record(folder)["jobs"] == 2
    (a0, a1), (b0, b1) = _spans(stamps)
    assert a0 < b1 and b0 < a1  # the two pages' runs overlap
    *_, later, _, _, stamps = one_at_a_time
    assert record(later)["jobs"] == 1
    (a0, a1), (b0, b1) = _spans(stamps)
    assert a1 <= b0 or b1 <= a0  # one after the other


def test_each_page_starts_from_an_empty_namespace_on_a_reused_kernel(one_at_a_time):
    _, _, folder, *_ = one_at_a_time
    states = _states(folder)
    assert states["01_a"] == ("ok", None) and states["02_b"] == ("ok", None)
    assert "clean" in (folder / "02_b.html").read_text(encoding="utf-8")


def test_a_failing_notebook_fails_the_run_and_keeps_the_good_one(one_at_a_time):
    code, err, failed, good, before, _ = one_at_a_time
    assert code == 2
    assert "run failed" in err and "03_fail: ValueError: deliberate failure" in err and "Traceback" not in err
    rec = record(failed)
    assert rec["status"] == "failed" and "deliberate failure" in rec["message"]
    assert _states(failed)["03_fail"][0] == "failed"
    partial = (failed / "03_fail.html").read_text(encoding="utf-8")
    assert "before the failure" in partial and "deliberate failure" in partial and "never reached" not in partial
    assert (failed / "03_fail.ipynb").is_file()

    out = good.parent
    assert snapshot_tree(good) == before  # the previous good run is untouched
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'Latest good run: <a href="{good.name}/">' in index
    table = index[index.index("<tbody>") :]
    assert table.index(failed.name) < table.index(good.name)  # newest first
    assert "deliberate failure" in index


def test_a_page_whose_kernel_dies_fails_alone(one_at_a_time):
    _, _, folder, *_ = one_at_a_time
    states = _states(folder)
    assert record(folder)["status"] == "failed" and states["05_after"] == ("ok", None)
    assert states["04_crash"][0] == "failed" and "kernel" in states["04_crash"][1].lower()
    assert [name for name, (status, _) in states.items() if status != "ok"] == ["03_fail", "04_crash"]
    assert "after the crash" in (folder / "05_after.html").read_text(encoding="utf-8")


def test_kernels_give_no_transport_warning(two_at_a_time):
    run, _, _ = two_at_a_time
    assert run.returncode == 0, run.stderr[-2000:]
    assert "TCP" not in run.stderr and "encryption" not in run.stderr
    assert "run ok" in run.stdout
