"""Tables the notebooks show, shaped here so cells stay one line and the shaping is tested, and the exploration
tables behind them (Kaplan-Meier curves of time to completion, statsmodels ``SurvfuncRight``).

Every function takes the kit's own frames (a task history from :func:`forecast.build_history`, the long snapshot
frame, the published figures) and returns a plain DataFrame. Plain frames render through pandas' escaped HTML,
so text from the exports (titles, agency names) always appears as text in a report.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import sample, schema
from .errors import Problem
from .history import build_history
from .models import design
from .question import year_end

# Which export `source` values each published scope covers. The labels are the bundled sample's; a figure whose
# scope has no tasks in the data gets no task-level count (it shows as missing, never as zero).
SCOPE_SOURCES: dict[str, tuple[str, ...] | None] = {
    "all": None,  # every task
    "res71": (sample.RES71,),
    "conclusions": (sample.CONCLUSIONS,),
    "res71+conclusions": (sample.RES71, sample.CONCLUSIONS),
}
MATCH_DAYS = 7  # a published figure is compared with the nearest snapshot at most this many days away


def agency_table(history: pd.DataFrame, deadline: object) -> pd.DataFrame:
    """Per agency at the history's as-of date: tasks, completed, open, overdue and open tasks due by ``deadline``.

    Only tasks in the latest snapshot count (as in :func:`forecast.open_set`); regular tasks count in ``tasks``
    alone. Sorted by ``due_by_deadline`` then ``open``, largest first, with an "All agencies" total row last.
    """
    hist = history.loc[history["present"]]
    is_open = hist["status"].isin(schema.OPEN)
    due = is_open & (hist["deadline"] <= pd.Timestamp(deadline))
    flags = pd.DataFrame({
        "agency": hist["agency"].astype(str),
        "tasks": 1,
        "completed": hist["status"].isin(schema.COMPLETED),
        "open": is_open,
        "overdue": hist["status"] == schema.OVERDUE,
        "due_by_deadline": due,
    })
    table = flags.groupby("agency").sum().astype("int64")
    table = table.sort_values(["due_by_deadline", "open", "tasks"], ascending=False)
    table.loc["All agencies"] = table.sum()
    return table


def overdue_tasks(history: pd.DataFrame, as_of: object, limit: int = 20) -> pd.DataFrame:
    """The ``limit`` overdue tasks of the latest snapshot that are longest past their deadline.

    Columns ``agency, title, deadline, days_overdue`` (whole days from deadline to ``as_of``), indexed by task id.
    """
    hist = history.loc[history["present"] & (history["status"] == schema.OVERDUE)]
    out = hist[["agency", "title", "deadline"]].copy()
    out["agency"] = out["agency"].astype(str)
    out["days_overdue"] = (pd.Timestamp(as_of) - out["deadline"]).dt.days
    out["deadline"] = out["deadline"].dt.date
    return out.sort_values(["days_overdue", "agency"], ascending=[False, True]).head(limit)


def published_comparison(published: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Each published figure that task-level data can reproduce, beside the count in the nearest snapshot.

    ``frame`` is the long snapshot frame (pass ``snaps.until(as_of).frame`` to stay as of a date). Columns:
    ``date, scope, agency, metric, published, snapshot, task_level, difference`` (task level minus published);
    ``date`` and ``snapshot`` are dates.
    Figures without a date, with a scope or metric the data cannot count, or with no snapshot within
    :data:`MATCH_DAYS` days get ``task_level`` missing.
    """
    dates = pd.DatetimeIndex(sorted(frame["snapshot_date"].unique()))
    rows = []
    for fig in published.itertuples(index=False):
        if fig.scope not in SCOPE_SOURCES or fig.metric not in _METRICS:
            continue
        snapshot, count = pd.NaT, float("nan")
        if pd.notna(fig.date) and len(dates):
            nearest = dates[abs(dates - fig.date).argmin()]
            if abs((nearest - fig.date).days) <= MATCH_DAYS:
                snapshot = nearest
                count = _count(frame, nearest, fig.scope, fig.agency, fig.metric)
        rows.append({"date": fig.date, "scope": fig.scope, "agency": fig.agency, "metric": fig.metric,
                     "published": fig.value, "snapshot": snapshot, "task_level": count})
    out = pd.DataFrame(rows, columns=["date", "scope", "agency", "metric", "published", "snapshot", "task_level"])
    out["task_level"] = out["task_level"].astype("Int64")
    out["difference"] = out["task_level"] - out["published"]
    for col in ("date", "snapshot"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out


# metric -> rows of one snapshot (a frame) that it counts
_METRICS = {
    "assigned": lambda s: pd.Series(True, index=s.index),
    "completed": lambda s: s["status"].isin(schema.COMPLETED),
    schema.COMPLETED_ON_TIME: lambda s: s["status"] == schema.COMPLETED_ON_TIME,
    schema.COMPLETED_LATE: lambda s: s["status"] == schema.COMPLETED_LATE,
    schema.IN_PROGRESS: lambda s: s["status"] == schema.IN_PROGRESS,
    schema.OVERDUE: lambda s: s["status"] == schema.OVERDUE,
    schema.REGULAR: lambda s: s["status"] == schema.REGULAR,
    "behind_schedule": lambda s: s["status"].isin([schema.COMPLETED_LATE, schema.OVERDUE]),
    "in_progress_due_by_year_end": lambda s: (s["status"] == schema.IN_PROGRESS)
    & (s["deadline"] <= year_end(s["snapshot_date"].iloc[0])),
    "to_finish_by_year_end": lambda s: s["status"].isin(schema.OPEN)
    & (s["deadline"] <= year_end(s["snapshot_date"].iloc[0])),
}


def _count(frame: pd.DataFrame, when: pd.Timestamp, scope: str, agency: str, metric: str) -> float:
    snap = frame.loc[frame["snapshot_date"] == when]
    sources = SCOPE_SOURCES[scope]
    if sources is not None:
        snap = snap.loc[snap["source"].isin(sources)]
    if agency:
        snap = snap.loc[snap["agency"] == agency]
    if snap.empty:
        return float("nan")
    return float(_METRICS[metric](snap).sum())


def problems_table(problems: Iterable[Problem]) -> pd.DataFrame:
    """One row per data problem: ``severity, file, rows, column, message``, in the order found."""
    rows = [{"severity": p.severity, "file": p.file or "", "rows": ", ".join(map(str, p.rows)),
             "column": p.column or "", "message": p.message} for p in problems]
    return pd.DataFrame(rows, columns=["severity", "file", "rows", "column", "message"])


def completion_times(data, as_of=None) -> pd.DataFrame:
    """Per non-regular task observed at risk: ``agency, entry, time, completed`` in days since assignment."""
    hist = build_history(data, as_of)
    hist = hist.loc[~hist["regular"] & hist["deadline"].notna()]
    origin = design.task_origin(hist)
    end = hist["completed_hi"].where(hist["completed"], hist["last_seen"])
    time = (end - origin).dt.days.clip(lower=0)
    entry = (hist["first_seen"] - origin).dt.days.clip(lower=0)
    out = pd.DataFrame({"agency": hist["agency"].astype(str), "entry": entry, "time": time,
                        "completed": hist["completed"].astype(int)})
    return out.loc[out["time"] > out["entry"]]  # seen only once, or first seen completed: no time at risk


def kaplan_meier(data, as_of=None, min_tasks: int = 15) -> pd.DataFrame:
    """Tidy KM curves: ``group, days, survival, lower, upper`` (pointwise 95 %). One group per agency with at least
    ``min_tasks`` tasks, plus "All tasks"."""
    from statsmodels.duration.survfunc import SurvfuncRight  # statsmodels is slow to import: only when asked

    times = completion_times(data, as_of)
    groups = [("All tasks", times)]
    sizes = times["agency"].value_counts()
    groups += [(a, times.loc[times["agency"] == a]) for a in sizes.index[sizes >= min_tasks]]
    frames = []
    for name, g in groups:
        if g["completed"].sum() == 0:
            continue
        sf = SurvfuncRight(g["time"].to_numpy(float), g["completed"].to_numpy(), entry=g["entry"].to_numpy(float))
        half = 1.96 * np.nan_to_num(sf.surv_prob_se)
        frames.append(pd.DataFrame({"group": name, "days": sf.surv_times, "survival": sf.surv_prob,
                                    "lower": np.clip(sf.surv_prob - half, 0, 1),
                                    "upper": np.clip(sf.surv_prob + half, 0, 1)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["group", "days", "survival", "lower", "upper"])
