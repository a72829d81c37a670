"""Report runs that wait: the time limit, a second run into a locked folder, a run killed mid-way. Mostly idle
(a notebook sleeps while the run is stopped or refused), so they are a module of their own: the test workers
schedule a module at a time, and this one's waiting overlaps the other modules' work.

In order: the killed run, whose next run into the same folder measures what a one-cell run takes now; the
time-limited run (its limit three times that), in a thread, waiting for its limit while the locked-folder test runs;
then the time-limit test, when that run has ended."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from forecast.errors import ReportLockedError
from forecast.report.run import RunResult, run_report
from tests.report_helpers import run_folders, wait_for, write_notebook, write_params, write_portfolio


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    """The small portfolio (as in test_report_run: a fit one module makes, the others find in the session's cache)."""
    return write_portfolio(tmp_path_factory.mktemp("portfolio"))


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


@dataclass
class Killed:
    """What :func:`killed` saw: while the run ran, when it was killed, and the next run into the same folder (a run
    of a one-cell notebook: its worker, its kernel and the cell, as long as it takes on this machine now)."""

    visible_while_running: list[Path]
    index_while_running: bool
    descendants: int
    alive_after: list[psutil.Process]
    visible_after: list[Path]
    index_after: bool
    rerun: RunResult
    rerun_seconds: float
    leftovers: list[Path]


@pytest.fixture(scope="module")
def killed(tmp_path_factory, portfolio) -> Killed:
    """A run of two notebooks killed (SIGKILL) in the second, then a run of one quick notebook into the same folder."""
    tmp = tmp_path_factory.mktemp("killed")
    params = write_params(tmp / "p.yaml", portfolio)
    out = tmp / "reports"
    nbs = tmp / "nbs"
    write_notebook(nbs / "01_first.ipynb", 'print("done")')
    write_notebook(nbs / "02_slow.ipynb", "import time\ntime.sleep(300)")
    run = _cli("report", "--params", str(params), "--out", str(out), "--notebooks", str(nbs))
    try:
        wait_for(lambda: any(out.glob(".tmp-*/02_slow.ipynb")), what="the second notebook to start")
        visible, index = run_folders(out), (out / "index.html").exists()
        descendants = psutil.Process(run.pid).children(recursive=True)  # the worker and its kernel
    finally:
        os.kill(run.pid, signal.SIGKILL)  # its worker kills its kernels and exits when it is gone
        run.communicate(timeout=30)
    _gone, alive = psutil.wait_procs(descendants, timeout=15)
    visible_after, index_after = run_folders(out), (out / "index.html").exists()

    fast = tmp / "fast"
    write_notebook(fast / "01_first.ipynb", 'print("done")')
    started = time.monotonic()
    rerun = run_report(params, out, fast, echo=lambda _: None)  # the lock died with the run; its leftovers go
    seconds = time.monotonic() - started
    return Killed(
        visible, index, len(descendants), alive, visible_after, index_after, rerun, seconds, list(out.glob(".tmp-*"))
    )


@pytest.mark.report
@pytest.mark.slow
def test_a_killed_run_leaves_no_half_written_report(killed):
    assert killed.visible_while_running == [] and not killed.index_while_running  # nothing visible while it runs
    assert killed.descendants >= 2  # the worker and its kernel
    assert killed.alive_after == [], "the worker and kernel outlive a killed run"
    assert killed.visible_after == [] and not killed.index_after
    assert killed.rerun.status == "ok"
    assert run_folders(killed.rerun.folder.parent) == [killed.rerun.folder] and killed.leftovers == []


@dataclass
class Limited:
    """A run stopped by its time limit (``limit`` seconds, ``minutes`` as the params file gives it), when it ends."""

    limit: float
    minutes: float
    thread: threading.Thread
    outcome: list = field(default_factory=list)  # (result, seconds) or the exception the run raised

    def result(self) -> tuple[RunResult, float]:
        self.thread.join(timeout=self.limit + 300)
        assert self.outcome, "the time-limited run did not end"
        if isinstance(self.outcome[0], BaseException):
            raise self.outcome[0]
        return self.outcome[0]


@pytest.fixture(scope="module")
def time_limited(tmp_path_factory, portfolio, killed) -> Iterator[Limited]:
    """A run whose first notebook prints, then sleeps 300 s, with a second notebook after it, under a time limit of
    three times what a one-cell run takes now (:class:`Killed`'s rerun, at least 15 s): room for the first cell under
    the machine's present load, far from the sleep. (At a load average of 11 on 2 cores a kernel start alone took
    over 30 s, so the limit is measured, not fixed.) It runs in a thread, waiting for its limit while the tests that
    ask for it run."""
    tmp = tmp_path_factory.mktemp("limited")
    limit = max(15.0, 3 * killed.rerun_seconds)
    minutes = round(limit / 60, 2)
    params = write_params(tmp / "p.yaml", portfolio, timeout_minutes=minutes)  # jobs 1: one page at a time
    nbs = tmp / "nbs"
    write_notebook(nbs / "01_slow.ipynb", 'print("first cell done")', "import time\ntime.sleep(300)")
    write_notebook(nbs / "02_next.ipynb", 'print("second notebook")')

    def run() -> None:
        started = time.monotonic()
        try:
            result = run_report(params, tmp / "reports", nbs, echo=lambda _: None)
        except BaseException as exc:  # handed to the test
            limited.outcome.append(exc)
        else:
            limited.outcome.append((result, time.monotonic() - started))

    limited = Limited(limit, minutes, threading.Thread(target=run, daemon=True))
    limited.thread.start()
    yield limited
    limited.thread.join(timeout=limit + 300)


@pytest.mark.report
@pytest.mark.slow
def test_a_second_run_into_the_same_folder_is_refused(tmp_path, portfolio, time_limited):
    # time_limited: started before this test, its wait for the limit overlaps this test's work
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
def test_the_time_limit_stops_the_run_and_keeps_the_partial_notebook(time_limited):
    result, elapsed = time_limited.result()
    limit, minutes = time_limited.limit, time_limited.minutes
    assert elapsed < limit + 90, elapsed  # the limit plus kernel shutdown and rendering, far from the 300 s sleep
    assert result.status == "failed"
    assert f"limit of {minutes:g} min" in result.message and "01_slow" in result.message
    states = {nb["name"]: nb["status"] for nb in result.record["notebooks"]}
    assert states == {"01_slow": "timed out", "02_next": "not run"}
    assert "first cell done" in (result.folder / "01_slow.html").read_text(encoding="utf-8")
    assert not (result.folder / "02_next.html").exists()
