"""Day-level states of an open task, and how many days an interval spends in each: the covariates whose value
changes inside an inter-snapshot interval.

A task open on calendar day d is in one *state* made of three parts:

* **days to its deadline**, ``ttd = deadline - d`` (0 on the deadline day, negative once overdue), in the bands of
  :data:`TTD_LABELS`: overdue > 90, 31-90, 8-30 and 1-7 days; the deadline day; due in 1-2, 3-7, 8-14, 15-30,
  31-60, 61-90 and > 90 days (the reference);
* **days to the next programme milestone** (a review meeting, a directive, a conference: ``milestones`` dates):
  0-6 days before one, 7-13 days before one, or none within 13 days (the reference);
* **the year-end window**: not in it, or one of the last ``year_end_days`` days of the calendar year, told apart by
  the task's class on that day (:data:`YE_CLASSES`: overdue, due by the year end, due later): the states the
  year-end regime (:mod:`.year_end`) acts on.

An interval of snapshots ``(start, end]`` covers the days ``start + 1 .. end``; :func:`exposure` counts, per
interval, the days spent in each state. With weekly snapshots the deadline day is identified because deadlines fall
on every weekday relative to the snapshot day; where they do not, the smoothing prior of the fit pools the band with
its neighbours. State ``s`` has log hazard multiplier ``S[s] @ theta`` (:func:`state_design`): the ttd band's
effect plus the milestone band's plus the year-end state's (the hazard model fits the last ones freely, so December
days do not move its ordinary-week effects; the regime replaces them in the forecast).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from forecast.core.languages import N_

TTD_EDGES = np.array([-90, -30, -7, 0, 1, 3, 8, 15, 31, 61, 91])
TTD_LABELS = (
    N_("overdue >90d"),
    N_("overdue 31-90d"),
    N_("overdue 8-30d"),
    N_("overdue 1-7d"),
    N_("deadline day"),
    N_("due 1-2d"),
    N_("due 3-7d"),
    N_("due 8-14d"),
    N_("due 15-30d"),
    N_("due 31-60d"),
    N_("due 61-90d"),
    N_("due >90d"),
)
TTD_REFERENCE = len(TTD_LABELS) - 1
MILESTONE_LABELS = (N_("milestone in 0-6d"), N_("milestone in 7-13d"), N_("no milestone within 13d"))
MILESTONE_REFERENCE = len(MILESTONE_LABELS) - 1
YE_CLASSES = ("overdue", "due by the year end", "due later")
N_YE = 1 + len(YE_CLASSES)  # 0: not in the window; 1 + class
YE_LABELS = tuple(f"year-end window, {c}" for c in YE_CLASSES)
N_STATES = len(TTD_LABELS) * len(MILESTONE_LABELS) * N_YE
THETA_NAMES = (
    [t for i, t in enumerate(TTD_LABELS) if i != TTD_REFERENCE]
    + [m for i, m in enumerate(MILESTONE_LABELS) if i != MILESTONE_REFERENCE]
    + list(YE_LABELS)
)
YEAR_END_SLICE = slice(len(THETA_NAMES) - len(YE_LABELS), len(THETA_NAMES))
NO_MILESTONE = np.iinfo(np.int64).max // 4


def ttd_band(days_to_deadline: np.ndarray) -> np.ndarray:
    """Band index (0..11) of days to the task's own deadline (negative when overdue)."""
    return np.searchsorted(TTD_EDGES, days_to_deadline, side="right")


def milestone_band(day: np.ndarray, milestones: np.ndarray) -> np.ndarray:
    """Band index (0..2) of the days from ``day`` to the next milestone on or after it (days since the epoch)."""
    if len(milestones) == 0:
        return np.full(np.shape(day), MILESTONE_REFERENCE)
    ms = np.sort(milestones)
    nxt = np.searchsorted(ms, day, side="left")
    ahead = np.where(nxt < len(ms), ms[np.minimum(nxt, len(ms) - 1)] - day, NO_MILESTONE)
    return np.searchsorted(np.array([7, 14]), ahead, side="right")


def window_day(day: np.ndarray, window_days: int) -> np.ndarray:
    """Index of ``day`` (days since 1970-01-01) in its year's last ``window_days`` days (0 on the first; 31 Dec is
    ``window_days - 1``), -1 outside them."""
    day = np.asarray(day, dtype=np.int64)
    next_year = (day.astype("datetime64[D]").astype("datetime64[Y]") + 1).astype("datetime64[D]").astype(np.int64)
    index = window_days - (next_year - day)
    return np.where((index >= 0) & (window_days > 0), index, -1)


def year_end_class(day: np.ndarray, deadline: np.ndarray) -> np.ndarray:
    """0 overdue on ``day``, 1 due by its year end, 2 due later (days since 1970-01-01, broadcastable)."""
    day, deadline = np.broadcast_arrays(np.asarray(day, dtype=np.int64), np.asarray(deadline, dtype=np.int64))
    next_year = (day.astype("datetime64[D]").astype("datetime64[Y]") + 1).astype("datetime64[D]").astype(np.int64)
    return np.where(deadline < day, 0, np.where(deadline < next_year, 1, 2))


def year_end_state(day: np.ndarray, deadline: np.ndarray, window_days: int) -> np.ndarray:
    """0 outside the last ``window_days`` days of a calendar year; inside, ``1 + class`` (:func:`year_end_class`)."""
    day, deadline = np.broadcast_arrays(np.asarray(day, dtype=np.int64), np.asarray(deadline, dtype=np.int64))
    if window_days <= 0:
        return np.zeros(day.shape, dtype=np.int64)
    return np.where(window_day(day, window_days) >= 0, 1 + year_end_class(day, deadline), 0).astype(np.int64)


def state_of(day: np.ndarray, deadline: np.ndarray, milestones: np.ndarray, year_end_days: int) -> np.ndarray:
    """State index of a task due ``deadline`` on ``day`` (both in days since the epoch, broadcastable)."""
    ttd = ttd_band(deadline - day)
    mil = milestone_band(day, milestones)
    ye = year_end_state(day, deadline, year_end_days)
    return (ttd * len(MILESTONE_LABELS) + mil) * N_YE + ye


def ye_part(states: np.ndarray) -> np.ndarray:
    """The year-end state (0 .. N_YE - 1) of each state index."""
    return np.asarray(states) % N_YE


def exposure(
    start: np.ndarray,
    days: np.ndarray,
    deadline: np.ndarray,
    milestones: Sequence[int] | np.ndarray,
    year_end_days: int,
) -> np.ndarray:
    """Days each interval spends in each state: (intervals x :data:`N_STATES`), float64.

    ``start`` and ``deadline`` are days since the epoch; interval i covers the days ``start + 1 .. start + days``.
    """
    start, days, deadline = (np.asarray(a, dtype=np.int64) for a in (start, days, deadline))
    ms = np.asarray(milestones, dtype=np.int64)
    out = np.zeros((len(start), N_STATES))
    width = int(days.max(initial=0))
    rows = np.arange(len(start))
    for k in range(1, width + 1):
        live = days >= k
        if not live.any():
            break
        day = start[live] + k
        np.add.at(out, (rows[live], state_of(day, deadline[live], ms, year_end_days)), 1.0)
    return out


@cache
def state_design() -> np.ndarray:
    """(states x theta) 0/1 matrix: state s has log multiplier ``state_design()[s] @ theta``."""
    S = np.zeros((N_STATES, len(THETA_NAMES)))
    n_ttd = len(TTD_LABELS) - 1
    for s in range(N_STATES):
        ye = s % N_YE
        mil = (s // N_YE) % len(MILESTONE_LABELS)
        ttd = s // (N_YE * len(MILESTONE_LABELS))
        if ttd != TTD_REFERENCE:
            S[s, ttd] = 1.0
        if mil != MILESTONE_REFERENCE:
            S[s, n_ttd + mil] = 1.0
        if ye:
            S[s, YEAR_END_SLICE.start + ye - 1] = 1.0
    return S
