"""Every optional export column may be absent (#9): validate -> predict -> backtest -> scenario on exports without
each one, and without all of them. A full report run on exports with none is
``tests/test_report_run.py::test_a_report_runs_on_exports_with_no_optional_column`` (last week's run of the kit's
notebooks there, one report run serving several tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forecast import sample
from forecast.cli import main
from forecast.data import schema
from forecast.models import MODELS

OPTIONAL = ("title", "assigned_date", "completed_date", "source", "agency_type")
SCENARIO = """name: optional columns
levers:
  - lever: rate_multiplier
    multiplier: 1.5
    agency: all
  - lever: deadline_extension
    status: overdue
    count: 3
    to: 2026-03-31
  - lever: new_tasks
    count: 4
    agency: {agency}
    deadline: 2025-12-31
"""


@pytest.fixture(scope="module")
def full_frame() -> pd.DataFrame:
    """200 tasks weekly from September to 4 Dec 2025, with every optional column (a completion date included)."""
    frame = sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04").drop(columns="dataset")
    done = frame["status"].isin(schema.COMPLETED)
    first_done = frame.loc[done].groupby("task_id")["snapshot_date"].min()
    frame["completed_date"] = frame["task_id"].map(first_done).where(done) - pd.Timedelta(days=2)
    assert set(OPTIONAL) <= set(frame.columns)
    return frame


def _exports(frame: pd.DataFrame, folder: Path, drop: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True)
    for when, snap in frame.drop(columns=list(drop)).groupby("snapshot_date"):
        snap.drop(columns="snapshot_date").to_csv(
            folder / f"export_{when:%Y-%m-%d}.csv", index=False, date_format="%Y-%m-%d"
        )
    return folder


def _run(capsys, *args) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out


@pytest.mark.slow  # four commands, each fitting the models on its own exports: 2-4 s of CPU a case
@pytest.mark.parametrize("drop", [(c,) for c in OPTIONAL] + [OPTIONAL], ids=[*OPTIONAL, "all"])
def test_every_command_works_without_the_optional_column(capsys, tmp_path, full_frame, drop):
    exports = _exports(full_frame, tmp_path / "exports", drop)
    header = (exports / "export_2025-12-04.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert not set(drop) & set(header) and set(schema.REQUIRED) <= set(header)
    assert "0 warning(s)" in _run(capsys, "validate", "--snapshots", exports)
    result = json.loads(_run(capsys, "predict", "--snapshots", exports, "--sims", 300, "--json"))
    assert result["open_tasks"] > 20 and 0 < result["slip"]["mean"] < result["open_tasks"]
    scores = json.loads(_run(capsys, "backtest", "--snapshots", exports, "--sims", 200, "--json"))
    assert len(scores["origins"]) >= 2 and {m["model"] for m in scores["models"]} == {*MODELS, "published", "combined"}
    agency = full_frame["agency"].value_counts().index[0]
    path = tmp_path / "scenario.yaml"
    path.write_text(SCENARIO.format(agency=agency), encoding="utf-8")
    compared = json.loads(_run(capsys, "scenario", path, "--snapshots", exports, "--sims", 300, "--json"))
    [only] = compared["scenarios"]
    assert only["open_tasks"] == result["open_tasks"] - 3 + 4  # 3 moved out of the window, 4 new
    assert only["difference"]["mean"] != 0
