"""Day-by-day competing exits of a world's open tasks: completion, deadline extension, reclassification as regular.

On each day ``d`` a task that has arrived and is still open has three daily hazards (per day):

* completion ``h_c = rate * pull(k) * surge(d) * class_surge(d) + push(d)``, with ``k = deadline - d`` days to its
  *current* deadline (0 = the deadline day, negative = overdue), ``pull`` piecewise constant in ``k``,
  ``class_surge`` a multiplier on the tasks of one class (overdue, or due by the year end) and ``push`` an added
  hazard per day, the same for every task of its class whatever its own rate;
* extension ``h_e = extend_rate * [k <= extend_within] * extend_surge(d) + carry(d)``: the deadline moves to the
  month-end 2-6 months after the later of the old deadline and ``d`` (the task stays open, with its new deadline);
  ``carry`` is a carry-over wave, an extension hazard on every open task due by the year end on the wave's days;
* reclassification ``h_r = reclassify_rate``: the task becomes "regular" and leaves the programme's count.

An event happens with probability ``1 - exp(-(h_c + h_e + h_r))`` and is of each kind in proportion to its hazard
(the discrete-time competing-risks model). Completion and reclassification end the task; an extension does not.
Worlds without exits draw one uniform per task per day, so two such worlds with one seed share every draw and differ
only where their hazards differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .portfolio import month_end

EVENT_KINDS = ("completed", "extended", "regular")


@dataclass(frozen=True)
class Dynamics:
    """A family's daily hazards. ``pull_edges`` split days to deadline into bands: band ``i`` covers
    ``[pull_edges[i-1], pull_edges[i])``, so ``pull`` has one more entry than ``pull_edges``. ``surges`` and
    ``extend_surges`` are ``(first day, last day, multiplier)`` windows, both days included."""

    pull_edges: tuple[int, ...]
    pull: tuple[float, ...]
    surges: tuple[tuple[str, str, float], ...] = ()
    extend_rate: float = 0.0
    extend_within: int = 21
    extend_months: tuple[int, int] = (2, 6)
    extend_surges: tuple[tuple[str, str, float], ...] = ()
    reclassify_rate: float = 0.0
    class_surges: tuple[tuple[str, str, float, str], ...] = ()  # (first, last, multiplier, class)
    pushes: tuple[tuple[str, str, float, str], ...] = ()  # (first, last, added hazard per day, class)
    carry: tuple[tuple[str, str, float], ...] = ()  # (first, last, extension hazard per day on tasks due by 31 Dec)

    def __post_init__(self) -> None:
        if len(self.pull) != len(self.pull_edges) + 1:
            raise ValueError("pull needs one multiplier more than pull_edges has edges")

    @property
    def has_exits(self) -> bool:
        return self.extend_rate > 0 or self.reclassify_rate > 0 or bool(self.carry)


CLASSES = ("all", "overdue", "due")  # every open task; overdue; due by the year end and not yet overdue


def class_windows(
    day: np.datetime64, k: np.ndarray, due_by_year_end: np.ndarray, windows: tuple[tuple[str, str, float, str], ...]
) -> tuple[np.ndarray, np.ndarray]:
    """(product of the multipliers, sum of the values) of every ``(first, last, value, class)`` window containing
    ``day``, per task, for the tasks of its class."""
    mult, total = np.ones(len(k)), np.zeros(len(k))
    for first, last, value, cls in windows:
        if cls not in CLASSES:
            raise ValueError(f"class {cls!r} is not one of {CLASSES}")
        if np.datetime64(first) <= day <= np.datetime64(last):
            mine = (
                np.ones(len(k), bool) if cls == "all" else (k < 0) if cls == "overdue" else (k >= 0) & due_by_year_end
            )
            mult = np.where(mine, mult * value, mult)
            total = np.where(mine, total + value, total)
    return mult, total


def pull_multiplier(days_to_deadline: np.ndarray, edges: tuple[int, ...], pull: tuple[float, ...]) -> np.ndarray:
    """The completion-hazard multiplier (no unit) of each task's band of days to its deadline."""
    return np.asarray(pull)[np.searchsorted(np.asarray(edges), days_to_deadline, side="right")]


def window_multiplier(day: np.datetime64, windows: tuple[tuple[str, str, float], ...]) -> float:
    """The product of the multipliers of every ``(first, last, multiplier)`` window that contains ``day``."""
    out = 1.0
    for first, last, mult in windows:
        if np.datetime64(first) <= day <= np.datetime64(last):
            out *= mult
    return out


def run(tasks: pd.DataFrame, dynamics: Dynamics, rng: np.random.Generator, until: np.datetime64) -> pd.DataFrame:
    """Simulate every task from its arrival to ``until`` (included). Returns the event log, one row per event:
    ``task_id, day, kind`` (one of :data:`EVENT_KINDS`), ``deadline`` (the new deadline of an extension, else NaT),
    in order of day."""
    n = len(tasks)
    arrival = tasks["arrival"].to_numpy("datetime64[D]")
    deadline = tasks["deadline"].to_numpy("datetime64[D]").copy()
    rate = tasks["rate"].to_numpy(float)
    is_open = ~tasks["regular"].to_numpy(bool)
    lo, hi = dynamics.extend_months
    log: list[tuple[int, np.datetime64, str, np.datetime64]] = []
    for day in np.arange(arrival.min(), until + np.timedelta64(1, "D"), dtype="datetime64[D]"):
        alive = is_open & (arrival <= day)
        k = np.where(alive, (deadline - day).astype(np.int64), 0)
        due_by_end = deadline <= (day.astype("datetime64[Y]") + 1).astype("datetime64[D]") - 1
        h_c = rate * pull_multiplier(k, dynamics.pull_edges, dynamics.pull) * window_multiplier(day, dynamics.surges)
        h_c = h_c * class_windows(day, k, due_by_end, dynamics.class_surges)[0]
        h_c = h_c + class_windows(day, k, due_by_end, dynamics.pushes)[1]
        h_e = dynamics.extend_rate * (k <= dynamics.extend_within) * window_multiplier(day, dynamics.extend_surges)
        h_e = h_e + due_by_end * class_windows(day, k, due_by_end, tuple((*w, "all") for w in dynamics.carry))[1]
        h_r = np.full(n, dynamics.reclassify_rate)
        total = h_c + h_e + h_r if dynamics.has_exits else h_c
        hit = alive & (rng.random(n) < -np.expm1(-total))
        if dynamics.has_exits:
            share, months = rng.random(n) * total, rng.integers(lo, hi + 1, size=n)
            kind = np.where(share < h_c, 0, np.where(share < h_c + h_e, 1, 2))
        else:
            kind = np.zeros(n, dtype=np.int64)
        for i in np.flatnonzero(hit):
            new = np.datetime64("NaT")
            if kind[i] == 1:
                new = month_end(np.array([max(deadline[i], day)]), months[i])[0]
                deadline[i] = new
            else:
                is_open[i] = False
            log.append((i, day, EVENT_KINDS[kind[i]], new))
    events = pd.DataFrame(log, columns=["index", "day", "kind", "deadline"])
    events.insert(0, "task_id", tasks["task_id"].to_numpy()[events["index"].to_numpy(int)])
    return events.drop(columns="index").astype({"day": "datetime64[ns]", "deadline": "datetime64[ns]"})
