"""A year-end push on the open tasks, day by day (:mod:`forecast.models.year_end` says what a push is): the
ordinary-week fit's hazards by class and window day (:class:`DaySums`), a push's added hazards and exits
(:class:`Pushes`, :func:`hazards`), the backlog clearance solved from the reference class's year-end shares
(:func:`solve_clearance`) and the likelihood of the December intervals (:func:`log_likelihood`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.models import design, exposure
from forecast.models.base import agency_codes

A_MAX = 5.0  # the backlog clearance's cap, per day
OVERDUE, DUE, LATER = range(3)  # the classes of an open task on a window day (forecast.models.exposure.YE_CLASSES)
FIELDS = ("onset", "intensity", "clear_o", "clear_d", "exit", "pace")  # of Pushes


@dataclass(frozen=True, eq=False)
class DaySums:
    """Per row (an interval, or a task over a horizon), at the ordinary-week fit: the completion hazard outside the
    window ``B0`` and its total inside ``B_total``; suffix sums over the window's days from each onset day t =
    0 .. W of the hazard inside (``SB``, all classes) and of the overdue and due-by-year-end days (``SD_o``,
    ``SD_d``), (rows x W + 1) each; and the exit hazard of leaving the year ``X0``."""

    B0: np.ndarray
    B_total: np.ndarray
    SB: np.ndarray
    SD_o: np.ndarray
    SD_d: np.ndarray
    X0: np.ndarray

    def at(self, onset: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hazard, overdue days, due days) from each draw's onset day on: (rows x draws) each."""
        return self.SB[:, onset], self.SD_o[:, onset], self.SD_d[:, onset]

    def on(self, onset: np.ndarray) -> np.ndarray:
        """1 where a row is open, overdue or due by the year end, on each draw's onset day (rows x draws)."""
        return self.on_day[:, onset]

    @functools.cached_property
    def on_day(self) -> np.ndarray:
        """(rows x W + 1): 1 where a row is open, overdue or due by the year end, on each day of the window."""
        both = self.SD_o + self.SD_d
        return both - np.concatenate([both[:, 1:], np.zeros((len(both), 1))], axis=1)

    def take(self, rows: np.ndarray) -> DaySums:
        return DaySums(
            self.B0[rows], self.B_total[rows], self.SB[rows], self.SD_o[rows], self.SD_d[rows], self.X0[rows]
        )


@dataclass(frozen=True, eq=False)
class Observed:
    """The December intervals as the likelihood reads them, prepared once per fit (:func:`observed`): the rows still
    open summed (their hazards are linear in a push's terms: the sums by onset day, then one term per draw), and each
    distinct ended row once, with its outcome and how many rows it stands for."""

    base: float  # sum over the open rows of B0 + X0
    total: float  # sum of B_total
    sums: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # sums of SB, SD_o, SD_d, on_day by onset day
    ended: DaySums
    outcome: np.ndarray  # (distinct ended rows,) 1 completed, 2 moved out
    count: np.ndarray  # (distinct ended rows,) rows each stands for


def observed(sums: DaySums, outcome: np.ndarray) -> Observed:
    """:class:`Observed` of the window rows ``sums`` with their ``outcome`` (0 still open, 1 completed, 2 moved out)."""
    still = sums.take(np.flatnonzero(outcome == 0))
    by_onset = (still.SB, still.SD_o, still.SD_d, still.on_day)
    ended = np.flatnonzero(outcome != 0)
    terms = np.column_stack([sums.B0, sums.B_total, sums.X0, outcome, sums.SB, sums.SD_o, sums.SD_d])[ended]
    rows, count = np.unique(terms, axis=0, return_counts=True)  # a national portfolio: a few thousand distinct
    w = sums.SB.shape[1]
    distinct = DaySums(
        rows[:, 0], rows[:, 1], rows[:, 4 : 4 + w], rows[:, 4 + w : 4 + 2 * w], rows[:, 4 + 2 * w :], rows[:, 2]
    )
    return Observed(
        float((still.B0 + still.X0).sum()),
        float(still.B_total.sum()),
        tuple(a.sum(axis=0) for a in by_onset),
        distinct,
        rows[:, 3].astype(np.int64),
        count.astype(float),
    )


def day_sums(model: Any, rows: pd.DataFrame, start: np.ndarray, days: np.ndarray, until: np.ndarray) -> DaySums:
    """:class:`DaySums` of ``rows`` (``agency, source, assigned_date, first_seen, deadline``) over the days ``start +
    1 .. start + days`` (days since the epoch), at the hazard model's posterior mode: the pace at the walk's level of
    the period each row starts in (the last one after the fit's periods), no year-end effect."""
    window = model.year_end_days
    post = model.posterior_
    x = post.mode
    due = rows["deadline"].to_numpy("datetime64[D]").astype(np.int64)
    theta = x[post.block("theta")].copy()
    theta[exposure.YEAR_END_SLICE] = 0.0
    rate = np.exp(exposure.state_design() @ theta)
    origin = design.task_origin(rows).to_numpy("datetime64[D]").astype(np.int64)
    X = design.design_matrix(
        design.age_band(start - origin), design.source_code(rows["source"], model.sources_), len(model.sources_)
    )
    b = np.r_[x[post.block("b")], 0.0]
    agency = np.minimum(agency_codes(rows["agency"], model.agencies_), len(model.agencies_))
    periods = model.periods_.to_numpy("datetime64[D]").astype(np.int64)
    period = np.clip(np.searchsorted(periods, start, side="right") - 1, 0, len(periods) - 1)
    level = np.exp(X @ x[post.block("beta")] + b[agency] + x[post.block("w")][period])
    n = len(rows)
    B0 = np.zeros(n)
    B = np.zeros((n, 3, window + 1))  # the last day index (W) stays empty: the suffix sum from no onset
    D = np.zeros((n, 3, window + 1))
    for k in range(1, int(np.max(days, initial=0)) + 1):
        live = np.flatnonzero(days >= k)
        day = start[live] + k
        h = level[live] * rate[exposure.state_of(day, due[live], model._milestone_days(), window)]
        wd = exposure.window_day(day, window)
        inside = wd >= 0
        B0[live[~inside]] += h[~inside]
        at = (live[inside], exposure.year_end_class(day[inside], due[live][inside]), wd[inside])
        np.add.at(B, at, h[inside])
        np.add.at(D, at, 1.0)
    suffix = lambda a: np.cumsum(a[..., ::-1], axis=-1)[..., ::-1]  # noqa: E731
    X0 = model.exits_.move_hazard(due, start, days, until) if model.exits_ is not None else np.zeros(n)
    SB = suffix(B).sum(axis=1)
    SD = suffix(D)
    return DaySums(B0, SB[:, 0].copy(), SB, SD[:, OVERDUE], SD[:, DUE], X0)


# -- a push's terms --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pushes:
    """Per draw: onset day (0 .. W - 1, ``W``: none), intensity ``I``, clearance per day on overdue tasks and on tasks
    due by the year end, the exit hazard of the onset day's wave, and December's pace ``exp(delta)`` (every window
    day's ordinary hazard times it, push or not)."""

    onset: np.ndarray
    intensity: np.ndarray
    clear_o: np.ndarray
    clear_d: np.ndarray
    exit: np.ndarray
    pace: np.ndarray

    def take(self, index: np.ndarray) -> Pushes:
        return Pushes(*(getattr(self, f)[index] for f in FIELDS))

    @classmethod
    def autumn(cls, delta: np.ndarray, window: int) -> Pushes:
        """No push, December's pace ``exp(delta)``."""
        n = len(delta)
        zero = np.zeros(n)
        return cls(np.full(n, window, dtype=np.int64), np.ones(n), zero, zero, zero, np.exp(delta))


def pushes(draws: dict[str, np.ndarray], window: int, clearance: np.ndarray, typical: int) -> Pushes:
    """The per-day terms of each drawn push (module docstring), ``clearance`` its ``a``; the pace and the exits are
    scaled to the ``typical`` onset day, so a push's daily terms do not depend on its own onset (weekly snapshots
    cannot tell which day of a week a push began)."""
    onset = draws["onset"].astype(np.int64)
    after = np.full(len(onset), float(max(window - typical, 1)))
    intensity = np.maximum(1.0 + (draws["multiplier"] - 1.0) * window / after, 0.0)
    split = draws["overdue_split"]
    wave = -np.log1p(-np.clip(draws["carry_over"], 0.0, 1 - 1e-9))
    pace = np.exp(draws["delta"]) if "delta" in draws else np.ones(len(onset))
    return Pushes(onset, intensity, 2 * split * clearance, 2 * (1 - split) * clearance, wave, pace)


def hazards(sums: DaySums, p: Pushes) -> tuple[np.ndarray, np.ndarray]:
    """(completion hazard, exit hazard) of each row under each push: (rows x draws) each."""
    SB, SDo, SDd = sums.at(p.onset)
    Hc = (
        sums.B0[:, None]
        + p.pace * (sums.B_total[:, None] + (p.intensity - 1.0) * SB)
        + p.clear_o * SDo
        + p.clear_d * SDd
    )
    Hx = sums.X0[:, None] + p.exit * sums.on(p.onset)
    return np.maximum(Hc, 0.0), Hx


def solve_clearance(
    sums: DaySums, draws: dict[str, np.ndarray], window: int, target: np.ndarray, typical: int
) -> np.ndarray:
    """Per draw, the clearance ``a >= 0`` (per day) whose expected count still open at the year end, ``S(a) = sum_i
    exp(-(H_i + a C_i))``, is its ``target`` for a push from the ``typical`` onset day: Newton's method on ``log S(a)
    - log target`` from 0 (a log-sum-exp of lines in ``a``: convex and decreasing, so the steps never pass the root,
    and on the log scale they take a few iterations); 0 when the pace alone leaves fewer, :data:`A_MAX` when no
    clearance reaches it."""
    at = {k: v for k, v in draws.items() if k != "delta"}  # at the autumn's pace: rho is against the autumn
    p = pushes({**at, "onset": np.full(len(target), typical)}, window, np.ones(len(target)), typical)
    # the onset is the same for every draw here: the rows' terms are vectors (the same rows counted once, with their
    # number), each draw's matrix an outer product
    terms = np.column_stack(
        [
            sums.B0 + sums.B_total + sums.X0,
            sums.SB[:, typical],
            sums.on_day[:, typical],
            sums.SD_o[:, typical],
            sums.SD_d[:, typical],
        ]
    )
    terms, count = np.unique(terms, axis=0, return_counts=True)
    H0 = terms[:, :1] + np.outer(terms[:, 1], p.intensity - 1.0) + np.outer(terms[:, 2], p.exit)
    C = np.outer(terms[:, 3], p.clear_o) + np.outer(terms[:, 4], p.clear_d)
    count = count[:, None].astype(float)
    a = np.zeros(len(target))
    log_target = np.log(np.maximum(target, 1e-9))
    live = np.ones(len(target), dtype=bool)
    for _ in range(60):
        s = count * np.exp(-(H0[:, live] + a[live] * C[:, live]))
        total = s.sum(axis=0)
        gap = np.log(np.maximum(total, 1e-300)) - log_target[live]
        slope = (C[:, live] * s).sum(axis=0) / np.maximum(total, 1e-300)  # -d log S / da
        step = np.where((gap > 1e-4) & (slope > 1e-12), gap / np.maximum(slope, 1e-12), 0.0)
        a[live] = np.minimum(a[live] + step, A_MAX)
        live[live] = (step > 0) & (a[live] < A_MAX)
        if not live.any():
            break
    return a


def log_likelihood(seen: Observed, p: Pushes) -> np.ndarray:
    """Per draw, the log-likelihood of the window rows (competing risks within each interval): ``-H`` for a row
    still open (summed over those rows at once), ``log(1 - exp(-H))`` plus the log of the exit's or the completion's
    share of ``H`` for a row that ended (each distinct row once, times its count)."""
    sb, so, sd, on = (a[p.onset] for a in seen.sums)
    out = -(
        seen.base + p.pace * (seen.total + (p.intensity - 1.0) * sb) + p.clear_o * so + p.clear_d * sd + p.exit * on
    )
    if len(seen.count):
        Hc, Hx = hazards(seen.ended, p)
        H = np.maximum(Hc + Hx, 1e-12)
        done = seen.outcome[:, None] == 1
        per_row = np.log(-np.expm1(-H)) + np.log(np.maximum(np.where(done, Hc, Hx), 1e-300) / H)
        out = out + seen.count @ per_row
    return out


# -- the posterior ------------------------------------------------------------------------------------------------
