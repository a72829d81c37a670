"""Report pages that need more data than a run has: run them up to what is missing, and say why the rest is empty.

A notebook cell tagged :data:`NEEDS_BACKTEST` (notebook 05, where the backtest runs) needs at least one backtest
cutoff: a snapshot with :data:`MIN_HISTORY` snapshots up to it and one at least ``horizon_days`` after it
(:func:`forecast.evaluation.backtest.cutoffs`). When the data up to the as-of date has none, the notebook is executed up
to that cell (banner and all), and the cells from it on are replaced by one Markdown cell saying what is missing, so the
report still succeeds and its backtest page explains itself instead of failing the run."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_markdown_cell

from forecast.config.params import Params
from forecast.data.question import resolve_dates
from forecast.data.snapshots import Snapshots
from forecast.evaluation.backtest import cutoffs

NEEDS_BACKTEST = "needs-backtest-history"
MIN_HISTORY = 8  # as forecast.evaluation.backtest.run_backtest's default


def runnable(path: str, params: Params, snaps: Snapshots) -> str | nbformat.NotebookNode:
    """``path`` itself, or the notebook cut short with a note when the data lacks what a tagged cell needs."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # not a notebook: papermill reports it when it runs the path
        return path
    cut = next((i for i, c in enumerate(nb.cells) if NEEDS_BACKTEST in c.get("metadata", {}).get("tags", [])), None)
    if cut is None:
        return path
    as_of, _ = resolve_dates(snaps, params.as_of, params.deadline)
    reason = backtest_shortfall(snaps.until(as_of), params.horizon_days)
    if reason is None:
        return path
    nb.cells = [*nb.cells[:cut], new_markdown_cell(f"**No backtest yet.** {reason}")]
    return nb


def backtest_shortfall(snaps: Snapshots, horizon_days: int) -> str | None:
    """Why ``snaps`` give no backtest cutoff, in words; None when they give at least one."""
    if cutoffs(snaps, horizon_days, MIN_HISTORY):
        return None
    dates = snaps.dates
    return (
        f"A backtest needs a cutoff snapshot with at least {MIN_HISTORY} snapshots up to it and a later one at "
        f"least {horizon_days} days after it; the data up to the as-of date has {len(dates)} snapshot(s), "
        f"{dates[0].date()} to {dates[-1].date()}. This page fills in as more snapshots arrive; the other pages "
        "do not depend on it."
    )
