"""The files a report run leaves beside its pages, for planners to take away (every one spreadsheet-safe, written
whole through :func:`forecast.present.output.write_table`).

* ``early_warning.xlsx`` and ``.csv`` — every open task with agency, deadline, status, P(slip), P(slip) at twice
  the pace and the drop in percentage points (:mod:`forecast.present.rundata`); the workbook has a README sheet saying
  what each column means and which run it came from;
* ``by_agency.csv`` — per agency: open tasks, expected slips with P10/P50/P90, the expected slips it would save by
  doubling its pace, tasks by status, pooled completion rate;
* ``scenarios.csv`` — the baseline and each planner scenario: its levers in words, slips and the difference;
* ``backtest.csv`` — every model at every backtest cutoff: forecast, outcome, error (forecast minus outcome),
  scores (written by the backtest page, when the data allows a backtest).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from forecast.present.scenario_words import lever_words

DOWNLOADS = {
    "early_warning.xlsx": "every open task: P(slip), and at twice the pace",
    "early_warning.csv": "the same, as CSV",
    "by_agency.csv": "per agency: open tasks, expected slips, slips doubling its pace would save",
    "scenarios.csv": "each planner scenario beside the baseline",
    "backtest.csv": "every model at every backtest cutoff",
}


def write(
    frame: pd.DataFrame,
    folder: str | Path,
    name: str,
    protected: Iterable[str | Path] = (),
    about: Mapping[str, object] | None = None,
) -> Path:
    """Write one download (a name of :data:`DOWNLOADS`) into the run ``folder``; ``about`` (which run it came from:
    :func:`forecast.present.output.about`) goes in a workbook's README sheet."""
    from forecast.present.output import write_table

    if name not in DOWNLOADS:
        raise ValueError(f"{name} is not one of the run's downloads ({', '.join(DOWNLOADS)})")
    return write_table(frame, Path(folder) / name, force=True, protected=protected, about=about)


def run_downloads(run) -> dict[str, pd.DataFrame]:
    """The downloads a :class:`forecast.present.rundata.RunData` gives, by file name (all but the backtest's)."""
    warning = run.early_warning()
    comparison = run.comparison
    scenarios = comparison.summary()
    levers = {r.scenario.name: "; ".join(map(lever_words, r.scenario.levers)) for r in comparison.results}
    scenarios.insert(1, "levers", scenarios["scenario"].map(levers).fillna(""))
    return {
        "early_warning.xlsx": warning,
        "early_warning.csv": warning,
        "by_agency.csv": run.by_agency(),
        "scenarios.csv": scenarios,
    }


def backtest_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The backtest's per-cutoff frame with ``error`` (forecast mean minus outcome: negative = under-forecast)."""
    out = frame.copy()
    out.insert(out.columns.get_loc("slip_mean") + 1, "error", out["slip_mean"] - out["observed"])
    return out


def present(folder: str | Path) -> list[str]:
    """The downloads found in ``folder``, in :data:`DOWNLOADS` order."""
    return [name for name in DOWNLOADS if (Path(folder) / name).is_file()]
