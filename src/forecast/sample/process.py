"""The task process of the synthetic sample: when each task is completed, has its deadline extended, or is
reclassified as regular.

Time is in whole days. From the day a task enters the monitoring system it faces two competing daily hazards:

* **completion** ``h_c(t) = r * u * g(deadline - t) * w(t) * m(t) * D(t)``, where
  - ``r`` is the base rate of the task's cohort (per day) and ``u`` its agency's frailty (both set in
    :mod:`forecast.sample`) times the task's own frailty (log-normal, mean 1, sd of its log ``task_sd``: some tasks
    are far harder than others, so the ones still open late are the slow ones);
  - ``g`` is the **deadline pull**, by days to the task's own deadline: ``far`` more than 30 days before it, 1 from
    30 to 8 days before, then a push in the last week that sharpens towards the deadline (``push`` 7-3 days before,
    ``push * 1.5`` 2-1 days before, ``push * 2`` on the deadline day: :data:`LAST_WEEK_SHAPE`), ``catch_up`` in the
    first 30 days overdue and ``stall`` after that;
  - ``w`` is a weekly shock shared by all tasks (log-normal, mean 1);
  - ``m`` is the **review-meeting push**: ``meeting_push`` on overdue tasks around each date of :data:`MILESTONES`
    that reviews the task's source document, from :data:`MEETING_WINDOW` days before it (agencies report tasks done
    ahead of a meeting that lists the overdue ones by name) to as many days after it (they act on its conclusions:
    Res 71's overdue tasks went from 21 on 31 Jul to 4 on 28 Aug, after the 1 Aug meeting), else 1;
  - ``D`` is the calendar: ``switch_over`` from 20 Jun to 31 Jul 2025 (around the 1 Jul switch-over to two-level
    local government, which the June report says absorbed the agencies) and the December multiplier ``december``
    from 5 Dec to 31 Dec 2025 (``forecast sample --december X``), else 1. The 5 Dec meeting's push (to 18 Dec) is
    part of the process the history shows, not of the December regime;
* **the year end** (``year_end``, a :class:`YearEndPush` drawn from the kit's reference class of past year ends by
  :func:`forecast.sample.year_end_push`): from its onset day to 31 Dec every completion hazard times its
  ``intensity``, an added clearance hazard per day on overdue tasks (``clear_o``) and on tasks due by the year end
  (``clear_d``), and on the onset day a carry-over wave (an exit hazard ``wave``, on those tasks too);
* **exit**, while overdue: ``h_x(t) = exit_rate * m(t)``. An exit is a reclassification (the status becomes
  ``regular``) with probability :data:`RECLASSIFY_SHARE`, else a deadline extension to the month-end 1, 2 or 3
  months after the exit day (equally likely). A task is extended at most once; afterwards it faces completion
  (with the new deadline) and reclassification (``exit_rate * RECLASSIFY_SHARE``) only.

Each hazard has its own Exp(1) threshold; the first cumulative hazard to cross its threshold decides what happens
and when (competing risks). Every random number is drawn up front in a fixed order (:func:`draw_luck`), so two runs
that differ only in ``december`` share every event up to 4 Dec 2025 (common random numbers).

The within-week shape of the push, the meeting window, the split of exits and the windows of the calendar are
assumptions (weekly snapshots and a few published stocks cannot identify them); the levels (``rates``, ``far``,
``push``, ``catch_up``, ``stall``, ``meeting_push``, ``exit_rate``, ``switch_over``, ``task_sd`` and the share of
Res 71's first wave due on 30 Jun) are fitted to the published flows by ``bench/calibrate_sample.py`` (see
:data:`FITTED`; loss and result in ``data/sample/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.core.languages import N_

DAY0 = pd.Timestamp("2024-01-01")  # day 0 of the integer day axis
NEVER = 10**6  # the day of an event that does not happen
RES71, CONCLUSIONS, PLAN02 = N_("Resolution 71/NQ-CP"), N_("Steering Committee conclusion notices"), "Plan 02-KH/BCĐTW"
SOURCES = (RES71, CONCLUSIONS, PLAN02)
# (date, source documents reviewed, what): the review meetings and directives of 2025 that listed overdue tasks
# (the articles are cited in data/published/figures.csv).
MILESTONES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("2025-06-20", (RES71, PLAN02), "review of Res 71 and Plan 02 before the 1 Jul switch-over (date approximate)"),
    ("2025-08-01", (RES71,), "review meeting on the 31 Jul figures of Res 71"),
    ("2025-08-28", (RES71, PLAN02), "Deputy Prime Minister's review of Res 71 and Plan 02"),
    ("2025-11-06", SOURCES, "Directive 33/CT-TTg on the 28 Oct figures"),
    ("2025-12-05", SOURCES, "Steering Committee meeting on the 4 Dec figures"),
)
MEETING_WINDOW = 14  # days before and after a milestone in which overdue tasks are pushed
LAST_WEEK_SHAPE = ((0, 0, 2.0), (1, 2, 1.5), (3, 7, 1.0))  # (from, to days before the deadline, multiple of push)
RECLASSIFY_SHARE = 1 / 3  # of exits: reclassified as regular; the rest are extensions
DECEMBER_START, DECEMBER_END = pd.Timestamp("2025-12-05"), pd.Timestamp("2025-12-31")
SWITCH_OVER_START, SWITCH_OVER_END = pd.Timestamp("2025-06-20"), pd.Timestamp("2025-07-31")


@dataclass(frozen=True)
class YearEndPush:
    """A year-end push in the process: from day ``onset`` (integer day, :func:`day_of`) to 31 Dec 2025. Its
    clearance is ``a`` per day split ``2 s a`` on overdue tasks and ``2 (1 - s) a`` on tasks due by 31 Dec (``s`` =
    ``split``); ``a`` is solved by :func:`solve_push` for a push from the ``typical`` onset day to leave ``backlog``
    times the overdue tasks of 27 Nov 2025 open (NaN until then): a later push clears less, as the year-end regime
    reads a push (:mod:`forecast.models.year_end`)."""

    onset: int
    typical: int = 0
    intensity: float = 1.0
    split: float = 0.5
    backlog: float = 1.0
    wave: float = 0.0  # exit hazard on the onset day, on overdue tasks and tasks due by 31 Dec
    clearance: float = float("nan")

    @property
    def clear_o(self) -> float:
        return 2 * self.split * self.clearance

    @property
    def clear_d(self) -> float:
        return 2 * (1 - self.split) * self.clearance


WINDOW_START = pd.Timestamp("2025-11-27")  # the last snapshot before December: the push's ``backlog`` refers to it


def solve_push(push: YearEndPush, hazards: Any, open_due: np.ndarray, overdue: int) -> YearEndPush:
    """``push`` with its clearance solved: per day, so that the expected count of the ``open_due`` tasks (open on
    :data:`WINDOW_START` and due by 31 Dec) still open after 31 Dec is ``push.backlog * overdue``, with the process's
    own hazards (``hazards(push)``: completion and exit per task and day from 28 Nov, with the push's clearance at
    ``a = 1``, and the clearance's coefficient per task and day), for a push from its ``typical`` onset day
    (Newton's method on the log of the count from 0)."""
    H, X, C = hazards(replace(push, onset=push.typical, clearance=0.0))
    base = (H + X)[open_due].sum(axis=1)
    coef = C[open_due].sum(axis=1)
    target = max(push.backlog * overdue, 1e-9)
    a = 0.0
    for _ in range(100):
        s = np.exp(-(base + a * coef))
        total = s.sum()
        slope = (coef * s).sum() / max(total, 1e-300)
        if np.log(max(total, 1e-300)) - np.log(target) <= 1e-6 or slope <= 1e-12 or a >= 5.0:
            break
        a = min(a + (np.log(total) - np.log(target)) / slope, 5.0)
    return replace(push, clearance=a)


@dataclass(frozen=True)
class Process:
    """The process's levels. Rates are per day; the other levels multiply the completion hazard. The defaults are
    neutral (no pull, push, frailty or exits): :data:`FITTED` holds the fitted levels."""

    rates: dict[str, float] = field(default_factory=dict)  # cohort group -> r
    far: float = 1.0
    push: float = 1.0
    catch_up: float = 1.0
    stall: float = 1.0
    meeting_push: float = 1.0
    exit_rate: float = 0.0
    switch_over: float = 1.0
    task_sd: float = 0.0
    first_wave_june: float = 0.35  # share of Res 71's first wave due on 30 Jun (see forecast.sample.COHORTS)
    december: float = 1.0
    year_end: YearEndPush | None = None

    FREE = (
        "far",
        "push",
        "catch_up",
        "stall",
        "meeting_push",
        "exit_rate",
        "switch_over",
        "task_sd",
        "first_wave_june",
    )

    def vector(self) -> np.ndarray:
        """log of the fitted levels: rates (in group order), then :attr:`FREE`."""
        return np.log([*self.rates.values(), *(getattr(self, k) for k in self.FREE)])

    def from_vector(self, x: np.ndarray) -> Process:
        values = np.exp(np.asarray(x, dtype=float))
        n = len(self.rates)
        return replace(
            self,
            rates=dict(zip(self.rates, values[:n].tolist(), strict=True)),
            **dict(zip(self.FREE, values[n:].tolist(), strict=True)),
        )


# Fitted by `python bench/calibrate_sample.py` (Nelder-Mead on the published flows, two runs of 700 and 600
# evaluations; loss 114.6 at the hand-set starting levels, 6.76 here; table in data/sample/README.md).
FITTED = Process(
    rates={
        "res71_first": 0.01862,
        "res71_second": 0.00246,
        "conclusions_early": 0.01054,
        "conclusions_late": 0.00707,
        "plan02": 0.00873,
    },
    far=0.8219,
    push=2.0623,
    catch_up=1.3126,
    stall=0.9753,
    meeting_push=3.2093,
    exit_rate=0.0031,
    switch_over=0.1827,
    task_sd=0.5472,
    first_wave_june=0.4225,
)


@dataclass(frozen=True)
class Luck:
    """Every random number of the process, one row per task: thresholds and the extension length."""

    complete: np.ndarray
    exit: np.ndarray
    complete_after: np.ndarray
    reclassify_after: np.ndarray
    is_reclassify: np.ndarray  # uniform: an exit is a reclassification when below RECLASSIFY_SHARE
    months: np.ndarray  # 1..3: extension length
    frailty: np.ndarray  # standard normal: the task's own frailty is exp(task_sd * frailty - task_sd^2 / 2)


def draw_luck(rng: np.random.Generator, n: int) -> Luck:
    e = rng.standard_exponential((4, n))
    return Luck(e[0], e[1], e[2], e[3], rng.random(n), rng.integers(1, 4, n), rng.standard_normal(n))


def day_of(when) -> np.ndarray:
    """Integer days since :data:`DAY0` (NaT -> :data:`NEVER`)."""
    values = pd.DatetimeIndex(np.atleast_1d(when))
    return np.where(values.isna(), NEVER, (values - DAY0).days).astype(np.int64)


def date_of(days: np.ndarray) -> pd.DatetimeIndex:
    """Dates of integer days; :data:`NEVER` -> NaT."""
    days = np.asarray(days, dtype=np.int64)
    dates = DAY0.to_datetime64() + np.minimum(days, 10**5).astype("timedelta64[D]")
    return pd.DatetimeIndex(np.where(days >= NEVER, np.datetime64("NaT"), dates))


def pull(to_deadline: np.ndarray, p: Process) -> np.ndarray:
    """Deadline pull g by days to the deadline (negative = overdue), as documented in the module."""
    g = np.where(to_deadline > 30, p.far, 1.0)
    for lo, hi, scale in LAST_WEEK_SHAPE:
        g = np.where((to_deadline >= lo) & (to_deadline <= hi), p.push * scale, g)
    return np.where(to_deadline < 0, np.where(to_deadline >= -30, p.catch_up, p.stall), g)


def meeting_days(days: np.ndarray, source: str) -> np.ndarray:
    """True on the days within :data:`MEETING_WINDOW` days before or after a milestone that reviews ``source``
    (``MEETING_WINDOW`` days before it to ``MEETING_WINDOW - 1`` after)."""
    out = np.zeros(len(days), dtype=bool)
    for when, reviewed, _ in MILESTONES:
        if source in reviewed:
            d = day_of(when)[0]
            out |= (days >= d - MEETING_WINDOW) & (days < d + MEETING_WINDOW)
    return out


def calendar(dates: pd.DatetimeIndex, p: Process) -> np.ndarray:
    """The calendar multiplier D of each date: ``switch_over`` in July 2025, ``december`` from 5 to 31 Dec 2025, and
    a year-end push's intensity from its onset to 31 Dec 2025."""
    switch = (dates >= SWITCH_OVER_START) & (dates <= SWITCH_OVER_END)
    december = (dates >= DECEMBER_START) & (dates <= DECEMBER_END)
    out = np.where(switch, p.switch_over, 1.0) * np.where(december, p.december, 1.0)
    if p.year_end is not None:
        days = day_of(dates)
        out = out * np.where((days >= p.year_end.onset) & (days <= day_of(DECEMBER_END)[0]), p.year_end.intensity, 1.0)
    return out


def simulate_tasks(
    arrival: np.ndarray,
    deadline: np.ndarray,
    rate: np.ndarray,
    source: np.ndarray,
    luck: Luck,
    p: Process,
    common: np.ndarray,
    first_day: int,
    chunk: int = 4000,
) -> dict[str, np.ndarray]:
    """Completion, extension and reclassification days of each task (integer days; :data:`NEVER` = not by the
    end of ``common``) and its deadline after any extension (``new_deadline``).

    ``arrival``, ``deadline``: integer days; ``rate``: r * u per task; ``source``: its source document (one of
    :data:`SOURCES`); ``common[k]``: the shared multiplier
    (weekly shock x :func:`calendar`) on day ``first_day + k``.
    """
    days = first_day + np.arange(len(common))
    by_source = np.array([np.where(meeting_days(days, s), p.meeting_push, 1.0) for s in SOURCES])
    code = pd.Index(SOURCES).get_indexer(source)
    rate = rate * np.exp(p.task_sd * luck.frailty - p.task_sd**2 / 2)
    n = len(arrival)
    out = {k: np.full(n, NEVER, dtype=np.int64) for k in ("done", "extended", "reclassified")}
    out["new_deadline"] = deadline.astype(np.int64).copy()
    for s in range(0, n, chunk):
        i = np.arange(s, min(s + chunk, n))
        t_c, t_x = _competing(
            days,
            arrival[i],
            deadline[i],
            rate[i],
            luck.complete[i],
            luck.exit[i],
            p.exit_rate,
            p,
            common,
            by_source[code[i]],
        )
        done = t_c <= t_x
        out["done"][i[done]] = t_c[done]
        exits = t_x < t_c
        reclass = exits & (luck.is_reclassify[i] < RECLASSIFY_SHARE)
        out["reclassified"][i[reclass]] = t_x[reclass]
        j = i[exits & ~reclass]  # extended: a second stretch with the new deadline, reclassification only
        if not len(j):
            continue
        when = out["extended"][j] = t_x[exits & ~reclass]
        day0 = np.datetime64(DAY0.date(), "D")
        month = (day0 + when.astype("timedelta64[D]")).astype("datetime64[M]")
        month_end = (month + luck.months[j] + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
        out["new_deadline"][j] = (month_end - day0).astype(np.int64)
        t_c, t_x = _competing(
            days,
            when + 1,
            out["new_deadline"][j],
            rate[j],
            luck.complete_after[j],
            luck.reclassify_after[j],
            p.exit_rate * RECLASSIFY_SHARE,
            p,
            common,
            by_source[code[j]],
        )
        out["done"][j[t_c <= t_x]] = t_c[t_c <= t_x]
        out["reclassified"][j[t_x < t_c]] = t_x[t_x < t_c]
    return out


def day_hazards(
    deadline: np.ndarray,
    rate: np.ndarray,
    source: np.ndarray,
    luck: Luck,
    exit_rate: np.ndarray,
    p: Process,
    common: np.ndarray,
    first_day: int,
    days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each task's completion and exit hazards on each of ``days`` (integer days, all after its arrival), by the
    deadline in force, with ``p``'s year-end push (its clearance at ``p.year_end.clearance``), and the push's
    clearance coefficient (the added hazard per unit of clearance): (tasks x days) each, for :func:`solve_push`.
    ``common`` and ``first_day`` as in :func:`simulate_tasks`; ``exit_rate`` per task (the first stretch's, or a
    task extended once: reclassification only)."""
    by_source = np.array([np.where(meeting_days(days, s), p.meeting_push, 1.0) for s in SOURCES])
    meeting = by_source[pd.Index(SOURCES).get_indexer(source)]
    rate = rate * np.exp(p.task_sd * luck.frailty - p.task_sd**2 / 2)
    to_deadline = deadline[:, None] - days[None, :]
    overdue = to_deadline < 0
    boost = np.where(overdue, meeting, 1.0)
    hc = rate[:, None] * pull(to_deadline, p) * common[days - first_day][None, :] * boost
    hx = np.where(overdue, exit_rate[:, None] * boost, 0.0)
    coef = np.zeros_like(hc)
    if p.year_end is not None:
        active = np.ones_like(hc, dtype=bool)
        clear, wave = _year_end_hazards(replace(p.year_end, clearance=1.0), days, deadline, active)
        coef = clear
        hc = hc + clear * p.year_end.clearance
        hx = hx + wave
    return hc, hx, coef


def _competing(days, start, deadline, rate, complete, exit_, exit_rate, p, common, meeting):
    """First days the cumulative completion and exit hazards, counted from ``start``, cross their thresholds
    (:data:`NEVER` when they do not by the last day). ``meeting``: each task's meeting multiplier by day."""
    to_deadline = deadline[:, None] - days[None, :]
    overdue = to_deadline < 0
    active = days[None, :] >= start[:, None]
    boost = np.where(overdue, meeting, 1.0)
    hc = np.where(active, rate[:, None] * pull(to_deadline, p) * common[None, :] * boost, 0.0)
    hx = np.where(active & overdue, exit_rate * boost, 0.0)
    if p.year_end is not None:
        clear, wave = _year_end_hazards(p.year_end, days, deadline, active)
        hc, hx = hc + clear, hx + wave
    return _crossing(days, hc, complete), _crossing(days, hx, exit_)


def _year_end_hazards(
    push: YearEndPush, days: np.ndarray, deadline: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A year-end push's added (completion, exit) hazards per task and day: the clearance from its onset to 31 Dec on
    overdue tasks and on tasks due by 31 Dec, the carry-over wave on its onset day."""
    end = day_of(DECEMBER_END)[0]
    on = (days >= push.onset) & (days <= end)
    overdue = deadline[:, None] < days[None, :]
    due = ~overdue & (deadline[:, None] <= end)
    clear = np.where(overdue, push.clear_o, np.where(due, push.clear_d, 0.0)) * on[None, :] * active
    wave = (overdue | due) & (days[None, :] == push.onset) & active
    return clear, np.where(wave, push.wave, 0.0)


def _crossing(days: np.ndarray, hazard: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Per row, the first day whose cumulative hazard reaches the threshold (:data:`NEVER` if none)."""
    k = (np.cumsum(hazard, axis=1) < threshold[:, None]).sum(axis=1)
    return np.where(k < len(days), days[np.minimum(k, len(days) - 1)], NEVER)
