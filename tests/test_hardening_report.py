"""Issue #24 for ``forecast report`` and ``forecast schedule``: they fail like the other commands. One line naming
the cause on stderr (the worker process's output included: ``capfd``), exit status 2, the last good run untouched, a
failed run marked failed on the index with its reason, no "wrote N pages" for pages that did not run; ``schedule``
goes on after a failed run and logs it. Rows 1, 4, 6 and 7 of the issue's table, as reports meet them."""

from __future__ import annotations

import functools
import shutil
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import forecast.report.schedule as schedule_module
from forecast.cli import main
from forecast.report.index import INDEX_NAME
from forecast.report.schedule import LOG_NAME
from tests.disk_helpers import nearly_full_disk
from tests.report_helpers import record, run_folders, snapshot_tree, write_notebook, write_params, write_portfolio

pytestmark = pytest.mark.report


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A workspace (a 200-task portfolio's 14 weekly exports, a params file, one tiny notebook) whose ``reports``
    folder holds one good run."""
    root = tmp_path_factory.mktemp("good")
    write_portfolio(root / "exports")
    write_params(root / "params.yaml", Path("exports"))
    write_notebook(root / "nbs" / "01_tiny.ipynb", 'print("tiny")')
    assert main(["report", "--params", str(root / "params.yaml"), "--out", str(root / "reports"), *_nbs(root)]) == 0
    return root


def _nbs(root: Path) -> list[str]:
    return ["--notebooks", str(root / "nbs")]


@pytest.fixture
def world(good, tmp_path) -> Path:
    shutil.copytree(good, tmp_path / "w")
    return tmp_path / "w"


def report(capfd, world: Path, params: Path, out: Path | None = None) -> tuple[int, str, str]:
    """``forecast report`` in-process, its worker's output captured too: (exit status, stdout, stderr)."""
    code = main(["report", "--params", str(params), "--out", str(out or world / "reports"), *_nbs(world)])
    stdout, stderr = capfd.readouterr()
    assert "Traceback" not in stderr + stdout, stderr
    return code, stdout, stderr


def failed_in_one_line(code: int, stdout: str, stderr: str, *says: str) -> None:
    assert code == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("forecast report: error: run failed: ")
    assert "wrote" not in stderr + stdout
    for words in says:
        assert words in stderr, stderr


# --- 1 ---------------------------------------------------------------------------------------------------------------


def test_01_a_control_character_in_a_title_leaves_the_report_and_its_downloads_whole(capfd, world):
    last = sorted((world / "exports").glob("*.csv"))[-1]
    frame = pd.read_csv(last, dtype=str, keep_default_na=False)
    row = frame.index[(frame["status"] == "in_progress") & (frame["deadline"] <= "2025-12-31")][0]
    frame.loc[row, "title"] = "bell\x07title"
    frame.to_csv(last, index=False)
    code, _, err = report(capfd, world, world / "params.yaml")
    assert code == 0, err
    [_, new] = run_folders(world / "reports")
    cells = [c.value for r in openpyxl.load_workbook(new / "early_warning.xlsx").active.iter_rows() for c in r]
    assert "belltitle" in cells
    assert "belltitle" in (new / "early_warning.csv").read_text(encoding="utf-8-sig")


# --- 4 ---------------------------------------------------------------------------------------------------------------


def test_04_a_report_on_two_snapshots_says_why_in_one_line_and_runs_with_december_as_ordinary_weeks(capfd, world):
    """27 Nov and 4 Dec: the hazard model has no ordinary week before the year-end window to learn from, so the
    report (whose pages rest on it) refuses in one line saying what to do; with ``year_end: false`` it runs."""
    for path in sorted((world / "exports").glob("*.csv"))[:-2]:
        path.unlink()
    code, _, err = report(capfd, world, world / "params.yaml")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "needs two snapshots before the year-end window" in err and "year_end: false" in err
    params = world / "params.yaml"
    params.write_text(params.read_text() + "year_end: false\n")
    code, _, err = report(capfd, world, params)
    assert code == 0, err
    assert record(run_folders(world / "reports")[-1])["status"] == "ok"


# --- 6: a bad scenario -----------------------------------------------------------------------------------------------

BAD_SCENARIOS = {
    "agency": (
        "  - lever: rate_multiplier\n    agency: Ministry of Finanse\n    multiplier: 2\n",
        "'levers[1].agency': 'Ministry of Finanse' is not an agency in the snapshots; did you mean "
        "'Ministry of Finance'",
    ),
    "source": (
        "  - lever: new_tasks\n    count: 5\n    agency: Ministry of Finance\n    deadline: 2025-12-31\n"
        "    source: Resolution 99\n",
        "'levers[1].source': 'Resolution 99' is not a source in the snapshots",
    ),
}


def bad_params(world: Path, which: str) -> tuple[Path, str]:
    lever, says = BAD_SCENARIOS[which]
    (world / "bad.yaml").write_text(f"name: bad\nlevers:\n{lever}", encoding="utf-8")
    return write_params(world / "bad_params.yaml", Path("exports"), scenarios=["bad.yaml"]), says


@pytest.mark.parametrize("which", BAD_SCENARIOS)
def test_06_a_bad_scenario_fails_the_run_before_any_page_in_one_line(capfd, world, which):
    params, says = bad_params(world, which)
    out = world / "reports"
    [last_good] = run_folders(out)
    before = snapshot_tree(last_good)
    code, stdout, stderr = report(capfd, world, params)
    failed_in_one_line(code, stdout, stderr, str(world / "bad.yaml"), says, str(out / INDEX_NAME))
    [_, failed] = run_folders(out)
    assert str(failed) in stderr
    rec = record(failed)
    assert rec["status"] == "failed" and says in rec["message"]
    assert [nb["status"] for nb in rec["notebooks"]] == ["not run"] and rec["agency_pages"] == []
    index = (out / INDEX_NAME).read_text(encoding="utf-8")
    assert says in unescape(index) and f'Latest good run: <a href="{last_good.name}/">' in index
    assert snapshot_tree(last_good) == before


HANOI = timezone(timedelta(hours=7))


class FakeTime:
    """A clock that moves only when the schedule sleeps."""

    def __init__(self, start: datetime):
        self.now = start

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_06_schedule_goes_on_after_a_failed_run_logs_it_and_fails_in_one_line(capfd, world, monkeypatch):
    params, says = bad_params(world, "agency")
    fake = FakeTime(datetime(2025, 12, 7, 5, 0, tzinfo=HANOI))  # two Mondays' runs without waiting for them
    real = schedule_module.run_schedule
    monkeypatch.setattr(schedule_module, "run_schedule", functools.partial(real, clock=fake.clock, sleep=fake.sleep))
    out = world / "reports"
    [last_good] = run_folders(out)
    before = snapshot_tree(last_good)
    args = ["schedule", "--params", str(params), "--cron", "0 6 * * MON", "--out", str(out), *_nbs(world)]
    code = main([*args, "--max-runs", "2"])
    stdout, stderr = capfd.readouterr()
    assert code == 2 and "Traceback" not in stderr + stdout, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith("forecast schedule: error: 2 run(s) failed; the last: run failed ")
    assert says in stderr and str(out / LOG_NAME) in stderr
    log = (out / LOG_NAME).read_text(encoding="utf-8")
    assert log.count(" run failed ") == 2 and log.count(says) == 2
    assert log.rstrip().endswith("schedule stopped after 2 run(s), 2 failed")
    assert [record(f)["status"] for f in run_folders(out)] == ["ok", "failed", "failed"]
    assert snapshot_tree(last_good) == before


# --- 7: a full disk during a report ----------------------------------------------------------------------------------


def test_07_a_full_disk_during_a_report_is_one_line_and_the_last_good_run_stays(capfd, good, tmp_path, monkeypatch):
    with nearly_full_disk(
        tmp_path / "disk", monkeypatch, 64 * 1024, lambda disk: shutil.copytree(good / "reports", disk / "reports")
    ) as disk:
        out = disk / "reports"
        [last_good] = run_folders(out)
        before = snapshot_tree(last_good)
        code = main(["report", "--params", str(good / "params.yaml"), "--out", str(out), *_nbs(good)])
        stdout, stderr = capfd.readouterr()
        assert code == 2 and "Traceback" not in stderr + stdout, stderr
        assert len(stderr.strip().splitlines()) == 1, stderr
        assert stderr.startswith("forecast report: error: ") and str(out) in stderr
        assert "No space left on device" in stderr or "File too large" in stderr
        assert "wrote" not in stderr + stdout
        assert snapshot_tree(last_good) == before
        index = (out / INDEX_NAME).read_text(encoding="utf-8")
        assert f'Latest good run: <a href="{last_good.name}/">' in index
