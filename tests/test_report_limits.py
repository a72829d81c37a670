"""Report runs that wait: the time limit, a second run into a locked folder, a run killed mid-way. Mostly idle
(a notebook sleeps while the run is stopped or refused), so they are a module of their own: the test workers
schedule a module at a time, and this one's waiting overlaps the other modules' work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from forecast.errors import ReportLockedError
from forecast.report.run import run_report
from tests.report_helpers import run_folders, wait_for, write_notebook, write_params, write_portfolio


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    """The small portfolio, its agencies folded into three (as in test_report_run)."""
    return write_portfolio(tmp_path_factory.mktemp("portfolio"), agencies=3)


@pytest.fixture(scope="module")
def start_seconds(tmp_path_factory, portfolio) -> float:
    """Seconds a run of a one-cell notebook takes on this machine now: its worker, its kernel (which imports the
    kit) and the cell. At a load average of 11 on 2 cores a kernel start alone took over 30 s, so a time limit
    that must let a first cell finish is measured against this, not fixed."""
    tmp = tmp_path_factory.mktemp("quick")
    write_notebook(tmp / "nbs" / "01_quick.ipynb", 'print("quick")')
    started = time.monotonic()
    result = run_report(write_params(tmp / "p.yaml", portfolio), tmp / "reports", tmp / "nbs", echo=lambda _: None)
    assert result.status == "ok", result.message
    return time.monotonic() - started


@pytest.mark.report
@pytest.mark.slow
def test_the_time_limit_stops_the_run_and_keeps_the_partial_notebook(tmp_path, portfolio, start_seconds):
    # the limit: three times what a one-cell run takes now (at least 15 s), room for the first cell under the
    # machine's present load and far from the notebook's 300 s sleep
    limit = max(15.0, 3 * start_seconds)
    minutes = round(limit / 60, 2)
    params = write_params(tmp_path / "p.yaml", portfolio, timeout_minutes=minutes)  # jobs 1: one page at a time
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_slow.ipynb", 'print("first cell done")', "import time\ntime.sleep(300)")
    write_notebook(nbs / "02_next.ipynb", 'print("second notebook")')
    started = time.monotonic()
    result = run_report(params, tmp_path / "reports", nbs, echo=lambda _: None)
    elapsed = time.monotonic() - started
    assert elapsed < limit + 90, elapsed  # the limit plus kernel shutdown and rendering, far from the 300 s sleep
    assert result.status == "failed"
    assert f"limit of {minutes:g} min" in result.message and "01_slow" in result.message
    states = {nb["name"]: nb["status"] for nb in result.record["notebooks"]}
    assert states == {"01_slow": "timed out", "02_next": "not run"}
    assert "first cell done" in (result.folder / "01_slow.html").read_text(encoding="utf-8")
    assert not (result.folder / "02_next.html").exists()


def _cli(*args: str) -> subprocess.Popen:
    """The command as a shell's background job starts it: with SIGINT ignored, the worst case for Ctrl-C."""
    ignoring_sigint = ["sh", "-c", 'trap "" INT; exec "$@"', "sh"]  # exec keeps the pid and the ignored signal
    return subprocess.Popen(
        [*ignoring_sigint, sys.executable, "-m", "forecast.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _started(out: Path) -> bool:
    """A run's worker has begun executing its first notebook in a hidden temporary folder."""
    return any(out.glob(".tmp-*/01_*.ipynb"))


@pytest.mark.report
@pytest.mark.slow
def test_a_second_run_into_the_same_folder_is_refused(tmp_path, portfolio):
    params = write_params(tmp_path / "p.yaml", portfolio)
    out = tmp_path / "reports"
    slow = tmp_path / "slow"
    write_notebook(slow / "01_slow.ipynb", "import time\ntime.sleep(300)")
    first = _cli("report", "--params", str(params), "--out", str(out), "--notebooks", str(slow))
    try:
        wait_for(lambda: _started(out), what="the first run to start")
        with pytest.raises(ReportLockedError, match=str(out)) as refused:
            run_report(params, out, slow)
        assert f"pid {first.pid}" in str(refused.value)
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "forecast.cli",
                "report",
                "--params",
                str(params),
                "--out",
                str(out),
                "--notebooks",
                str(slow),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert second.returncode == 2
        assert "another report run is writing to" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGINT)  # Ctrl-C: the run stops, cleans up and publishes nothing
        first.communicate(timeout=60)
    assert first.returncode == 130
    assert run_folders(out) == [] and not list(out.glob(".tmp-*"))


@pytest.mark.report
@pytest.mark.slow
def test_a_killed_run_leaves_no_half_written_report(tmp_path, portfolio):
    params = write_params(tmp_path / "p.yaml", portfolio)
    out = tmp_path / "reports"
    nbs = tmp_path / "nbs"
    write_notebook(nbs / "01_first.ipynb", 'print("done")')
    write_notebook(nbs / "02_slow.ipynb", "import time\ntime.sleep(300)")
    run = _cli("report", "--params", str(params), "--out", str(out), "--notebooks", str(nbs))
    wait_for(lambda: any(out.glob(".tmp-*/02_slow.ipynb")), what="the second notebook to start")
    assert run_folders(out) == [] and not (out / "index.html").exists()  # nothing visible while it runs
    descendants = psutil.Process(run.pid).children(recursive=True)  # the worker and its kernel
    assert len(descendants) >= 2
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    _gone, alive = psutil.wait_procs(descendants, timeout=15)
    assert alive == [], "the worker and kernel outlive a killed run"
    assert run_folders(out) == [] and not (out / "index.html").exists()

    fast = tmp_path / "fast"
    write_notebook(fast / "01_first.ipynb", 'print("done")')
    result = run_report(params, out, fast, echo=lambda _: None)  # the lock died with the run; its leftovers go
    assert result.status == "ok"
    assert run_folders(out) == [result.folder] and not list(out.glob(".tmp-*"))
