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
    local government, which the June report says absorbed the agencies) and the **December regime** ``december``
    from 5 Dec to 31 Dec 2025 (see :data:`DECEMBER_PRIOR`), else 1. The 5 Dec meeting's push (to 18 Dec) is part
    of the process the history shows, not of the December regime.
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

import numpy as np
import pandas as pd

DAY0 = pd.Timestamp("2024-01-01")  # day 0 of the integer day axis
NEVER = 10**6  # the day of an event that does not happen
RES71, CONCLUSIONS, PLAN02 = "Resolution 71/NQ-CP", "Steering Committee conclusion notices", "Plan 02-KH/BCĐTW"
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
# The December regime is the one thing the history up to 4 Dec cannot show. Its prior: log(december) ~ Normal(log
# 1.5, 0.5), median 1.5, 80 % interval 0.79-2.85: governments speed up at year ends (US federal contract spending
# puts 8.7 % of a year's spending in its last week, about 4.5x an ordinary week: Liebman & Mahoney 2017), but a task
# is not a payment and the 5 Dec meeting already pushed. The bundled continuation uses 1.0 (December like the
# history, so a forecast is checked against the process it was fitted on); ``forecast sample --december X`` writes
# the same portfolio with another December.
DECEMBER_PRIOR = {"median": 1.5, "sd_log": 0.5}


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
    """The calendar multiplier D of each date: ``switch_over`` in July 2025, ``december`` from 5 to 31 Dec 2025."""
    switch = (dates >= SWITCH_OVER_START) & (dates <= SWITCH_OVER_END)
    december = (dates >= DECEMBER_START) & (dates <= DECEMBER_END)
    return np.where(switch, p.switch_over, 1.0) * np.where(december, p.december, 1.0)


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


def _competing(days, start, deadline, rate, complete, exit_, exit_rate, p, common, meeting):
    """First days the cumulative completion and exit hazards, counted from ``start``, cross their thresholds
    (:data:`NEVER` when they do not by the last day). ``meeting``: each task's meeting multiplier by day."""
    to_deadline = deadline[:, None] - days[None, :]
    overdue = to_deadline < 0
    active = days[None, :] >= start[:, None]
    boost = np.where(overdue, meeting, 1.0)
    hc = np.where(active, rate[:, None] * pull(to_deadline, p) * common[None, :] * boost, 0.0)
    hx = np.where(active & overdue, exit_rate * boost, 0.0)
    return _crossing(days, hc, complete), _crossing(days, hx, exit_)


def _crossing(days: np.ndarray, hazard: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Per row, the first day whose cumulative hazard reaches the threshold (:data:`NEVER` if none)."""
    k = (np.cumsum(hazard, axis=1) < threshold[:, None]).sum(axis=1)
    return np.where(k < len(days), days[np.minimum(k, len(days) - 1)], NEVER)
