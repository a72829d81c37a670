"""Task histories built from the long snapshot frame.

Everything here takes an ``as_of`` date and uses only snapshots taken on or before it, so a history "as of" a
past date is exactly what an analyst could have built that day (no leakage from later exports).

* :func:`build_history` — one row per task: where it stands at ``as_of`` and, if completed, the interval in which
  completion happened: ``(completed_lo, completed_hi]`` = (last snapshot seen open, first snapshot seen
  completed), or the exact ``completed_date`` when the export gives one.
* :func:`intervals` — the person-period table the hazard models fit: one row per task per inter-snapshot
  interval while open, starting at the first snapshot the task is seen (left truncation).
* :func:`open_set` — the tasks a forecast is about.
* :func:`by_task` — rows in task, then date order, by integer task codes (for the intervals and exit transitions).
* :func:`trajectory_warnings` — tasks that vanish, reopen, change agency or deadline.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.core.languages import N_
from forecast.data import schema
from forecast.data.snapshots import Snapshots, as_of_frame
from forecast.errors import Problem

_LATEST = ("agency", "agency_type", "source", "title", "deadline", "assigned_date", "completed_date")


def _frame(data: Snapshots | pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    frame = data.frame if isinstance(data, Snapshots) else data
    return frame if as_of is None else as_of_frame(frame, as_of)


def build_history(data: Snapshots | pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    """One row per task seen on or before ``as_of``, indexed by ``task_id``.

    Columns: the latest ``agency, agency_type, source, title, deadline, assigned_date, completed_date``;
    ``first_seen, last_seen`` (snapshot dates); ``status`` at its last snapshot; ``trajectory`` (statuses in order,
    repeats collapsed, joined by ``>``); ``n_snapshots``; ``regular``; ``completed``; ``completed_lo`` and
    ``completed_hi`` bounding the completion date; ``present`` (seen in the last snapshot up to ``as_of``).
    """
    frame = _frame(data, as_of)
    if frame.empty:
        return _empty_history()
    if not frame["snapshot_date"].is_monotonic_increasing:  # a snapshots' frame is in date order already
        frame = frame.sort_values("snapshot_date", kind="stable")
    last_snapshot = frame["snapshot_date"].max()
    g = frame.groupby("task_id", sort=True, observed=True)  # a task's rows in date order: no copy sorted by task
    hist = g[list(_LATEST)].last()  # last non-missing value of each column
    hist["title"] = hist["title"].astype("str")  # text, whether the frame holds it as text or as a categorical
    hist["first_seen"] = g["snapshot_date"].min()
    hist["last_seen"] = g["snapshot_date"].max()
    hist["n_snapshots"] = g.size()
    hist["status"] = g["status"].last().astype(pd.CategoricalDtype(schema.STATUSES))
    task_of = g.ngroup().to_numpy()  # each row's task, as its position in hist
    order = np.argsort(task_of, kind="stable")  # rows by task, then date
    status, labels = pd.factorize(frame["status"])
    task, status = task_of[order], status[order]
    change = np.r_[True, (status[1:] != status[:-1]) | (task[1:] != task[:-1])]
    names = np.array([*map(str, labels), "nan"], dtype=object)  # code -1 (a missing status) takes the last
    hist["trajectory"] = _joined(task[change], names[status[change]]).to_numpy()

    when = frame["snapshot_date"].reset_index(drop=True)
    is_open = frame["status"].isin(schema.OPEN).to_numpy()
    last_open = when.where(is_open).groupby(task_of, sort=True).max()
    seen_open_at = last_open.to_numpy()[task_of]
    after = pd.isna(seen_open_at) | (when.to_numpy() > seen_open_at)
    done_rows = frame["status"].isin(schema.COMPLETED).to_numpy() & after
    first_done = when.where(done_rows).groupby(task_of, sort=True).min()
    last_open.index, first_done.index = hist.index, hist.index

    hist["regular"] = hist["status"] == schema.REGULAR
    hist["completed"] = hist["status"].isin(schema.COMPLETED)
    exact = hist["completed_date"].notna() & hist["completed"]
    hist["completed_lo"] = last_open.reindex(hist.index).where(hist["completed"])
    hist["completed_hi"] = first_done.reindex(hist.index).where(hist["completed"])
    hist.loc[exact, "completed_lo"] = hist.loc[exact, "completed_date"]
    hist.loc[exact, "completed_hi"] = hist.loc[exact, "completed_date"]
    hist["present"] = hist["last_seen"] == last_snapshot
    return hist


def _joined(ids: np.ndarray, values: np.ndarray) -> pd.Series:
    """``values`` joined by ``>`` per run of equal ``ids`` (sorted), indexed by id: a groupby-join done a position
    at a time over all tasks, not a Python call per task (a million-row export may hold a million tasks)."""
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=int)
    lengths = np.diff(np.r_[starts, len(ids)])
    out = values[starts].astype(object)
    for k in range(1, int(lengths.max(initial=1))):
        more = lengths > k
        out[more] = out[more] + ">" + values[starts[more] + k]
    return pd.Series(out, index=ids[starts])


def _empty_history() -> pd.DataFrame:
    cols = [
        *_LATEST,
        "first_seen",
        "last_seen",
        "n_snapshots",
        "status",
        "trajectory",
        "regular",
        "completed",
        "completed_lo",
        "completed_hi",
        "present",
    ]
    return pd.DataFrame(columns=cols, index=pd.Index([], name="task_id"))


def open_set(history: pd.DataFrame, deadline: object) -> pd.DataFrame:
    """Tasks still to finish by ``deadline``: present in the latest snapshot, open, not regular, due by then.

    "Due by" counts a task whose own deadline is on or before ``deadline`` (so every overdue task is in). Rows are
    grouped by agency, then by deadline: the order the simulation aggregates in, so it needs no copy per chunk.
    """
    keep = history["present"] & schema.open_and_due(history, deadline)
    tasks = history.loc[keep]
    order = tasks.assign(_agency=tasks["agency"].astype(str)).sort_values(["_agency", "deadline"], kind="stable")
    return tasks.loc[order.index]


def intervals(data: Snapshots | pd.DataFrame, as_of: object = None) -> pd.DataFrame:
    """Person-period rows: a task open at snapshot ``start`` and seen again at the next snapshot ``end``.

    ``event`` is 1 when it is completed at ``end``. A task missing from the next snapshot gives no row for that
    interval (censored); a task turned "regular" likewise. Covariates are the values reported at ``start``.
    Columns: ``task_id, agency, source, agency_type, deadline, assigned_date, first_seen, start, end, days, status,
    event``.

    From :class:`Snapshots` the table of every snapshot is built once per object and cut to ``as_of`` (a row
    depends only on the snapshots up to its ``end``), so a backtest's cutoffs and several models share it.
    """
    if isinstance(data, Snapshots):
        full = data.memo("intervals", _intervals)
        return full if as_of is None else data.rows_until(full, "end", as_of)
    return _intervals(_frame(data, as_of))


def _intervals(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [
        "task_id",
        "agency",
        "source",
        "agency_type",
        "deadline",
        "assigned_date",
        "start",
        "end",
        "days",
        "status",
        "first_seen",
        "event",
    ]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    dates = np.sort(frame["snapshot_date"].unique())
    next_of = pd.Series(np.append(dates[1:], np.datetime64("NaT")), index=dates)
    columns = ["agency", "source", "agency_type", "deadline", "assigned_date", "snapshot_date", "status"]
    frame, task, ids = by_task(frame, columns)
    first_seen = frame["snapshot_date"].groupby(task, sort=False).transform("min")
    same_task = pd.Series(np.r_[task[1:] == task[:-1], False], index=frame.index)
    nxt_date = frame["snapshot_date"].shift(-1)
    nxt_status = frame["status"].shift(-1)
    expected_next = frame["snapshot_date"].map(next_of)
    keep = frame["status"].isin(schema.OPEN) & same_task & nxt_date.eq(expected_next) & nxt_status.ne(schema.REGULAR)
    out = frame.loc[keep, columns].rename(columns={"snapshot_date": "start"})
    out.insert(0, "task_id", ids.at(np.flatnonzero(keep.to_numpy())).array)
    out["end"] = nxt_date[keep]
    out["days"] = (out["end"] - out["start"]).dt.days.astype(np.int32)
    out["first_seen"] = first_seen[keep]
    out["event"] = nxt_status[keep].isin(schema.COMPLETED).astype(np.int8)
    out["status"] = out["status"].astype(str)
    return out[cols].reset_index(drop=True)


def by_task(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """``columns`` of the rows with a task id, sorted by task id then snapshot date (stable); each row's task as an
    integer code in that order; and the task ids in that order, to take at the rows a caller keeps. The sort is of
    integer codes and copies only ``columns``: the long frame's text (task ids, titles, file names) is not copied
    for every row, and no string is compared after the grouping."""
    if not frame["snapshot_date"].is_monotonic_increasing:
        frame = frame.sort_values("snapshot_date", kind="stable")
    frame = frame.loc[frame["task_id"].notna()] if frame["task_id"].hasnans else frame
    task = frame.groupby("task_id", sort=True, observed=True).ngroup().to_numpy()
    order = np.argsort(task, kind="stable")
    return frame[columns].take(order), task[order], _Taken(frame["task_id"], order)


class _Taken:
    """``values`` in ``order``, taken only at the positions asked for."""

    def __init__(self, values: pd.Series, order: np.ndarray):
        self.values, self.order = values, order

    def at(self, positions: np.ndarray) -> pd.Series:
        return self.values.iloc[self.order[positions]]


def trajectory_warnings(
    data: Snapshots | pd.DataFrame, as_of: object = None, history: pd.DataFrame | None = None
) -> list[Problem]:
    """Findings that do not stop the data being used but an analyst should see. ``history`` saves rebuilding the
    task history when the caller has built it from the same data and ``as_of``."""
    frame = _frame(data, as_of)
    if frame.empty:
        return []
    hist = history if history is not None else build_history(frame)
    problems = []
    gone = hist.loc[~hist["present"] & hist["status"].isin(schema.OPEN)]
    if len(gone):
        problems.append(
            Problem(
                f"{len(gone)} open task(s) missing from later snapshots (not in the forecast): " + _ids(gone.index),
                severity="warning",
                column="task_id",
                task_ids=tuple(gone.index),
            )
        )
    reopened = hist.index[hist["trajectory"].str.contains(r"completed_\w+>(?:in_progress|overdue)", regex=True)]
    if len(reopened):
        problems.append(
            Problem(
                f"{len(reopened)} task(s) went from completed back to open: " + _ids(reopened),
                severity="warning",
                column="status",
                task_ids=tuple(reopened),
            )
        )
    for col, template, severity in (
        ("agency", N_("{count} task(s) changed agency between snapshots: {ids}"), "warning"),
        (
            "deadline",
            N_(
                "{count} task(s) had their deadline moved between snapshots: {ids} "
                "(extensions: the models count them as exits)"
            ),
            "note",
        ),
    ):
        moved = frame.groupby("task_id", observed=True)[col].nunique()
        moved = moved.index[moved > 1]
        if len(moved):
            problems.append(
                Problem(
                    template.format(count=len(moved), ids=_ids(moved)),
                    severity=severity,
                    column=col,
                    task_ids=tuple(moved),
                    template=template,
                    parts={"count": len(moved), "ids": tuple(map(str, moved))},
                )
            )
    return problems


def _ids(ids: pd.Index, limit: int = 10) -> str:
    shown = ", ".join(map(str, ids[:limit]))
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")
