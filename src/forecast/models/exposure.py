"""Day-level states of an open task, and how many days an interval spends in each: the covariates whose value
changes inside an inter-snapshot interval.

A task open on calendar day d is in one *state* made of three parts:

* **days to its deadline**, ``ttd = deadline - d`` (0 on the deadline day, negative once overdue), in the bands of
  :data:`TTD_LABELS`: overdue > 90, 31-90, 8-30 and 1-7 days; the deadline day; due in 1-2, 3-7, 8-14, 15-30,
  31-60, 61-90 and > 90 days (the reference);
* **days to the next programme milestone** (a review meeting, a directive, a conference: ``milestones`` dates):
  0-6 days before one, 7-13 days before one, or none within 13 days (the reference);
* **the year-end window**: one of the last ``year_end_days`` days of the calendar year, or not. The fit flags only
  the windows of years before the as-of date's (a whole year-end the history has seen); the days of the current
  year's window enter the fit as ordinary days, so what the newest snapshots show moves the pace walk, and the
  regime's effect on the rest of the window comes from its prior (or from earlier years).

An interval of snapshots ``(start, end]`` covers the days ``start + 1 .. end``; :func:`exposure` counts, per
interval, the days spent in each state. With weekly snapshots the deadline day is identified because deadlines fall
on every weekday relative to the snapshot day; where they do not, the smoothing prior of the fit pools the band with
its neighbours. State ``s`` has log hazard multiplier ``S[s] @ theta`` (:func:`state_design`): the ttd band's
effect plus the milestone band's plus the year-end effect.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TTD_EDGES = np.array([-90, -30, -7, 0, 1, 3, 8, 15, 31, 61, 91])
TTD_LABELS = (
    "overdue >90d",
    "overdue 31-90d",
    "overdue 8-30d",
    "overdue 1-7d",
    "deadline day",
    "due 1-2d",
    "due 3-7d",
    "due 8-14d",
    "due 15-30d",
    "due 31-60d",
    "due 61-90d",
    "due >90d",
)
TTD_REFERENCE = len(TTD_LABELS) - 1
MILESTONE_LABELS = ("milestone in 0-6d", "milestone in 7-13d", "no milestone within 13d")
MILESTONE_REFERENCE = len(MILESTONE_LABELS) - 1
YEAR_END_LABEL = "year-end window"
N_STATES = len(TTD_LABELS) * len(MILESTONE_LABELS) * 2
THETA_NAMES = (
    [t for i, t in enumerate(TTD_LABELS) if i != TTD_REFERENCE]
    + [m for i, m in enumerate(MILESTONE_LABELS) if i != MILESTONE_REFERENCE]
    + [YEAR_END_LABEL]
)
YEAR_END_INDEX = len(THETA_NAMES) - 1
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


def year_end_flag(day: np.ndarray, window_days: int, until: int | None = None) -> np.ndarray:
    """1 on the last ``window_days`` days of a calendar year (``day`` in days since 1970-01-01), else 0; with
    ``until``, only on days on or before it."""
    if window_days <= 0:
        return np.zeros(np.shape(day), dtype=np.int64)
    d = np.asarray(day).astype("datetime64[D]")
    next_year = (d.astype("datetime64[Y]") + 1).astype("datetime64[D]")
    flag = (next_year - d).astype(np.int64) <= window_days
    if until is not None:
        flag &= np.asarray(day) <= until
    return flag.astype(np.int64)


def state_of(
    day: np.ndarray, deadline: np.ndarray, milestones: np.ndarray, year_end_days: int, year_end_until: int | None = None
) -> np.ndarray:
    """State index of a task due ``deadline`` on ``day`` (both in days since the epoch, broadcastable)."""
    ttd = ttd_band(deadline - day)
    mil = milestone_band(day, milestones)
    ye = year_end_flag(day, year_end_days, year_end_until)
    return (ttd * len(MILESTONE_LABELS) + mil) * 2 + ye


def exposure(
    start: np.ndarray,
    days: np.ndarray,
    deadline: np.ndarray,
    milestones: Sequence[int] | np.ndarray,
    year_end_days: int,
    year_end_until: int | None = None,
) -> np.ndarray:
    """Days each interval spends in each state: (intervals x :data:`N_STATES`), float64.

    ``start`` and ``deadline`` are days since the epoch; interval i covers the days ``start + 1 .. start + days``.
    ``year_end_until`` flags year-end days only up to that day (the fit learns the regime from whole past windows).
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
        np.add.at(out, (rows[live], state_of(day, deadline[live], ms, year_end_days, year_end_until)), 1.0)
    return out


def state_design() -> np.ndarray:
    """(states x theta) 0/1 matrix: state s has log multiplier ``state_design()[s] @ theta``."""
    S = np.zeros((N_STATES, len(THETA_NAMES)))
    n_ttd = len(TTD_LABELS) - 1
    for s in range(N_STATES):
        ye = s % 2
        mil = (s // 2) % len(MILESTONE_LABELS)
        ttd = s // (2 * len(MILESTONE_LABELS))
        if ttd != TTD_REFERENCE:
            S[s, ttd] = 1.0
        if mil != MILESTONE_REFERENCE:
            S[s, n_ttd + mil] = 1.0
        S[s, YEAR_END_INDEX] = float(ye)
    return S
