"""Competing exits: an open task can leave the forecast window without being completed.

Two exits show in the exports: a **deadline extension** (the task's deadline changes to a later date between two
snapshots while it stays open) and a **reclassification** (its status becomes ``regular``). For a forecast to the
deadline D, a task *moves out of the window* when it is reclassified, or extended to a deadline after D; an
extension that keeps it due by D leaves it in the window.

Each exit has a rate per task-day in three bands of days to the task's deadline at the start of an interval
(:data:`BAND_LABELS`: overdue, due in 0-30 days, due later), estimated from every interval of an open task seen at
two consecutive snapshots: ``rate ~ Gamma(0.5 + exits, exposure days)`` (the Jeffreys prior of a Poisson rate), so
a history with no exits gives a small rate with honest uncertainty, not zero. An extension's length is drawn from
the lengths seen (none seen: it counts as leaving the window, the conservative reading).

The simulation adds the exit hazard ``H_x`` to the completion hazard ``H_c``: a task is still open at the end of D
with probability ``exp(-(H_c + H_x))``, and of those that are not, a share ``H_x / (H_c + H_x)`` left by an exit
(exact when the two hazards keep their ratio over the horizon; the forecast steps are a week).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.data.history import by_task
from forecast.data.snapshots import Snapshots, as_of_frame

BAND_EDGES = np.array([0, 31])
BAND_LABELS = ("overdue", "due in 0-30d", "due later")


def band(days_to_deadline: np.ndarray) -> np.ndarray:
    """Band index (0..2) of days to the deadline."""
    return np.searchsorted(BAND_EDGES, days_to_deadline, side="right")


def transitions(frame: pd.DataFrame) -> pd.DataFrame:
    """Every interval of an open task seen at two consecutive snapshots: ``task_id, start, end, days, ttd,
    extended, reclassified, length`` (days added to the deadline by an extension)."""
    cols = ["task_id", "start", "end", "days", "ttd", "extended", "reclassified", "length"]
    dates = np.sort(frame["snapshot_date"].unique())
    if len(dates) < 2:
        return pd.DataFrame(columns=cols)
    f, task, ids = by_task(frame, ["snapshot_date", "status", "deadline"])
    when = f["snapshot_date"].to_numpy("datetime64[D]")
    is_open = f["status"].isin(schema.OPEN).to_numpy()
    regular = f["status"].eq(schema.REGULAR).to_numpy()
    due = f["deadline"].to_numpy("datetime64[D]")
    nxt = np.searchsorted(dates.astype("datetime64[D]"), when) + 1  # index of the next snapshot date
    next_date = np.append(dates.astype("datetime64[D]"), np.datetime64("NaT"))[nxt]
    keep = np.zeros(len(f), dtype=bool)
    keep[:-1] = (task[1:] == task[:-1]) & (when[1:] == next_date[:-1])
    keep &= is_open
    i = np.flatnonzero(keep)
    length = (due[i + 1] - due[i]).astype("timedelta64[D]").astype(float)
    return pd.DataFrame(
        {
            "task_id": ids.at(i).array,
            "start": when[i],
            "end": when[i + 1],
            "days": (when[i + 1] - when[i]).astype(np.int64),
            "ttd": (due[i] - when[i]).astype(np.int64),
            "extended": is_open[i + 1] & (np.nan_to_num(length) > 0),
            "reclassified": regular[i + 1],
            "length": length,
        }
    )


class ExitModel:
    """Rates of deadline extensions and reclassifications per task-day, by band of days to the deadline. With
    ``window_days``, intervals that reach into the last ``window_days`` days of a year are left out: a year end's
    carry-over is the year-end regime's (:mod:`.year_end`), not an ordinary week's."""

    name = "exits"

    def __init__(self, window_days: int = 0):
        self.window_days = window_days

    def fit(self, data: Snapshots | pd.DataFrame, as_of=None) -> ExitModel:
        if isinstance(data, Snapshots):  # every snapshot's transitions once per object, cut to the as-of date
            t = data.memo("transitions", transitions)
            t = t if as_of is None else data.rows_until(t, "end", as_of)
        else:
            t = transitions(data if as_of is None else as_of_frame(data, as_of))
        if self.window_days > 0 and len(t):
            end = t["end"].to_numpy("datetime64[D]")
            start = t["start"].to_numpy("datetime64[D]")
            next_year = (end.astype("datetime64[Y]") + 1).astype("datetime64[D]")
            start_year_end = (start.astype("datetime64[Y]") + 1).astype("datetime64[D]")
            in_window = ((next_year - end).astype(np.int64) <= self.window_days) | (start_year_end < next_year)
            t = t.loc[~in_window]
        b = band(t["ttd"].to_numpy(np.int64))
        days = t["days"].to_numpy(float)
        self.exposure_ = np.bincount(b, weights=days, minlength=len(BAND_LABELS))
        self.extensions_ = np.bincount(b, weights=t["extended"].to_numpy(float), minlength=len(BAND_LABELS))
        self.reclassifications_ = np.bincount(b, weights=t["reclassified"].to_numpy(float), minlength=len(BAND_LABELS))
        self.lengths_ = t.loc[t["extended"], "length"].to_numpy().astype(np.int64)
        return self

    def table(self) -> pd.DataFrame:
        """Per band: task-days at risk, extensions and reclassifications seen, and each per 100 task-months."""
        per = 100 * 30 / np.maximum(self.exposure_, 1.0)
        return pd.DataFrame(
            {
                "band": BAND_LABELS,
                "task_days": self.exposure_.astype(int),
                "extensions": self.extensions_.astype(int),
                "reclassifications": self.reclassifications_.astype(int),
                "extensions_per_100_task_months": self.extensions_ * per,
                "reclassifications_per_100_task_months": self.reclassifications_ * per,
            }
        )

    def move_hazard(self, due: np.ndarray, start: np.ndarray, days: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Each row's hazard of leaving the window that ends on ``until`` over the days ``start + 1 .. start + days``
        (all in days since the epoch): per day, its band's reclassification rate plus its extension rate times the
        share of the extension lengths seen that reach past ``until`` (the rates' posterior means)."""
        due, start, days, until = (np.asarray(a, dtype=np.int64) for a in (due, start, days, until))
        at_risk = np.maximum(self.exposure_, 1.0)
        ext, rec = (0.5 + self.extensions_) / at_risk, (0.5 + self.reclassifications_) / at_risk
        lengths = np.sort(self.lengths_)
        room = until - due
        p_out = 1.0 - np.searchsorted(lengths, room, side="right") / len(lengths) if len(lengths) else np.ones(len(due))
        out = np.zeros(len(due))
        for k in range(1, int(days.max(initial=0)) + 1):
            live = days >= k
            b = band(due[live] - (start[live] + k))
            out[live] += ext[b] * p_out[live] + rec[b]
        return out

    def sampler(self, tasks: pd.DataFrame, as_of, deadline) -> ExitSampler:
        """Exit hazards of ``tasks`` from ``as_of`` to the end of ``deadline``."""
        start, end = pd.Timestamp(as_of), pd.Timestamp(deadline)
        total = max((end - start).days, 0)
        # the exit hazards depend on a task's deadline only: computed once per distinct deadline
        due, profile = np.unique(tasks["deadline"].to_numpy("datetime64[D]"), return_inverse=True)
        day = np.datetime64(start.date(), "D") + np.arange(1, total + 1)
        ttd = (due[:, None] - day[None, :]).astype(np.int64)  # deadlines x days
        E = np.stack([(band(ttd) == k).sum(axis=1) for k in range(len(BAND_LABELS))], axis=1).astype(float)
        if len(self.lengths_):  # the share of the extension lengths seen that reach past the deadline: L > end - due
            lengths = np.sort(self.lengths_)
            room = np.datetime64(end.date(), "D").astype(np.int64) - due.astype(np.int64)  # days
            p_out = 1.0 - np.searchsorted(lengths, room, side="right") / len(lengths)
        else:
            p_out = np.ones(len(due))
        return ExitSampler(E, p_out, profile.reshape(-1), self.exposure_, self.extensions_, self.reclassifications_)


@dataclass
class ExitSampler:
    E: np.ndarray  # (deadlines x bands) days a task due then spends in each band over the horizon
    p_out: np.ndarray  # (deadlines,) chance an extension takes a task due then past the deadline
    profile: np.ndarray  # (tasks,) row of E and p_out of each task (its deadline)
    exposure: np.ndarray  # (bands,) task-days at risk in the history
    extensions: np.ndarray
    reclassifications: np.ndarray

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Exit hazards (tasks x size), float32: rates drawn from their Gamma posteriors, one draw per band and run."""
        scale = 1.0 / np.maximum(self.exposure, 1.0)
        ext = rng.gamma(0.5 + self.extensions[:, None], scale[:, None], (len(scale), size))
        rec = rng.gamma(0.5 + self.reclassifications[:, None], scale[:, None], (len(scale), size))
        return ((self.E @ ext) * self.p_out[:, None] + self.E @ rec).astype(np.float32)[self.profile]
