"""A test world: its weekly snapshot exports, its event log, and the true outcome of any forecast question.

**Snapshots** are taken every Thursday from :data:`FIRST_SNAPSHOT` to :data:`LAST_SNAPSHOT` (past 31 Dec 2025). The
snapshot of day S reports the state at the end of S: a task appears from its arrival; it is ``regular`` if born so or
reclassified by S, ``completed_on_time`` / ``completed_late`` once completed (on or before / after the deadline it
had then), else ``overdue`` when S is past its current deadline, else ``in_progress``. The deadline column shows
the deadline current at S, so an extension is visible as a changed deadline.

**The question** at as-of date T (the last snapshot on or before it) and deadline D, as the kit defines it: the open
set is every task present in the T snapshot, open there (in progress or overdue, so not regular) and with the
deadline shown there on or before D. **The outcome** of each open task is its first exit in (T, D]: *completed*,
*moved* (reclassified as regular, or its deadline extended past D), or none: it *slipped* (still open after D).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.data.snapshots import Snapshots, from_frame

FIRST_SNAPSHOT, LAST_SNAPSHOT = pd.Timestamp("2025-03-06"), pd.Timestamp("2026-01-08")
YEAR_END = pd.Timestamp("2025-12-31")
COLUMNS = (
    "snapshot_date",
    "task_id",
    "agency",
    "deadline",
    "status",
    "title",
    "assigned_date",
    "source",
    "agency_type",
)


@dataclass(frozen=True)
class Outcome:
    """What happened to the open set at ``as_of`` (a snapshot date) by the end of ``deadline``."""

    as_of: pd.Timestamp
    deadline: pd.Timestamp
    open_ids: tuple[str, ...]
    completed: int
    moved: int
    slipped: int

    @property
    def open(self) -> int:
        return len(self.open_ids)


@dataclass(frozen=True)
class World:
    """A generated world: ``tasks`` (one row per task, with its initial deadline and daily ``rate``), ``events``
    (see :func:`tests.worlds.process.run`) and ``frame``, the long snapshot frame in canonical columns."""

    family: str
    seed: int
    settings: dict[str, Any]
    tasks: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False)
    frame: pd.DataFrame = field(repr=False)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(self.frame["snapshot_date"].unique())

    def snapshot_on(self, as_of: object) -> pd.Timestamp:
        """The last snapshot date on or before ``as_of``."""
        dates = self.dates[self.dates <= pd.Timestamp(as_of)]
        if dates.empty:
            raise ValueError(f"no snapshot on or before {as_of}")
        return dates[-1]

    def snapshots(self, until: object = None) -> Snapshots:
        """The kit's :class:`Snapshots` of the exports taken on or before ``until`` (default: all of them)."""
        frame = self.frame if until is None else self.frame.loc[self.frame["snapshot_date"] <= pd.Timestamp(until)]
        return from_frame(frame)

    def outcome(self, as_of: object, deadline: object = YEAR_END) -> Outcome:
        """The open set at the last snapshot on or before ``as_of`` and how each of its tasks left it by the end of
        ``deadline`` (see the module docstring)."""
        when, due = self.snapshot_on(as_of), pd.Timestamp(deadline)
        snap = self.frame.loc[self.frame["snapshot_date"] == when]
        is_open = snap["status"].isin(schema.OPEN) & (snap["deadline"] <= due)
        open_ids = tuple(snap.loc[is_open, "task_id"])
        ev = self.events
        ev = ev.loc[ev["task_id"].isin(open_ids) & (ev["day"] > when) & (ev["day"] <= due)]
        exits = ev.loc[(ev["kind"] != "extended") | (ev["deadline"] > due)]
        first = exits.sort_values("day", kind="stable").drop_duplicates("task_id")["kind"]
        completed = int((first == "completed").sum())
        moved = len(first) - completed
        return Outcome(when, due, open_ids, completed, moved, len(open_ids) - len(first))


def write_exports(world: World, folder: str | Path) -> list[Path]:
    """Write ``world``'s snapshots as CSV exports, one per date (``<family>-<seed>_<YYYY-MM-DD>.csv``, canonical
    headers, ISO dates), into ``folder`` (created if needed; refuses to overwrite a file). Returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for when, snap in world.frame.groupby("snapshot_date"):
        path = folder / f"{world.family}-{world.seed}_{when:%Y-%m-%d}.csv"
        table = snap.drop(columns="snapshot_date")
        table = table.assign(**{c: table[c].dt.strftime("%Y-%m-%d") for c in ("deadline", "assigned_date")})
        with path.open("x", encoding="utf-8", newline="") as fh:
            table.to_csv(fh, index=False)
        written.append(path)
    return written


def snapshot_dates(first: pd.Timestamp = FIRST_SNAPSHOT, last: pd.Timestamp = LAST_SNAPSHOT) -> pd.DatetimeIndex:
    """Every seventh day from ``first`` to ``last``."""
    return pd.date_range(first, last, freq="7D")


def snapshot_frame(tasks: pd.DataFrame, events: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The long snapshot frame (:data:`COLUMNS`, one row per task per snapshot from its arrival) of ``tasks`` whose
    lives are ``events``."""
    index = pd.Index(tasks["task_id"])
    done_day = _event_day(events, "completed", index)
    regular_day = _event_day(events, "regular", index)
    born_regular = tasks["regular"].to_numpy(bool)
    arrival = tasks["arrival"].to_numpy("datetime64[ns]")
    deadline = tasks["deadline"].to_numpy("datetime64[ns]").copy()
    extensions = events.loc[events["kind"] == "extended"].sort_values("day", kind="stable")
    ext_pos, ext_day = index.get_indexer(extensions["task_id"]), extensions["day"].to_numpy("datetime64[ns]")
    ext_new, applied = extensions["deadline"].to_numpy("datetime64[ns]"), 0
    when_rows, rows, deadlines, statuses = [], [], [], []  # per snapshot: its rows' positions, deadlines, statuses
    for when in dates.to_numpy("datetime64[ns]"):
        while applied < len(ext_day) and ext_day[applied] <= when:
            deadline[ext_pos[applied]] = ext_new[applied]
            applied += 1
        seen = np.flatnonzero(arrival <= when)
        status = np.where(when > deadline, schema.OVERDUE, schema.IN_PROGRESS).astype(object)
        done = done_day <= when
        status[done] = np.where(done_day[done] <= deadline[done], schema.COMPLETED_ON_TIME, schema.COMPLETED_LATE)
        status[born_regular | (regular_day <= when)] = schema.REGULAR
        when_rows.append(np.full(len(seen), when))
        rows.append(seen)
        deadlines.append(deadline[seen])
        statuses.append(status[seen])
    row = np.concatenate(rows)
    columns = ("task_id", "agency", "title", "assigned_date", "source", "agency_type")
    frame = pd.DataFrame(
        {
            "snapshot_date": np.concatenate(when_rows),
            **{c: tasks[c].to_numpy()[row] for c in columns},
            "deadline": np.concatenate(deadlines),
            "status": np.concatenate(statuses),
        }
    )
    return frame.astype(
        {"snapshot_date": "datetime64[ns]", "deadline": "datetime64[ns]", "assigned_date": "datetime64[ns]"}
    )[list(COLUMNS)]


def _event_day(events: pd.DataFrame, kind: str, index: pd.Index) -> np.ndarray:
    """Per task (in ``index`` order) the day of its ``kind`` event, NaT when it has none (at most one each)."""
    days = events.loc[events["kind"] == kind].set_index("task_id")["day"]
    return days.reindex(index).to_numpy("datetime64[ns]")
