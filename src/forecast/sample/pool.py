"""The synthetic pool: tasks, their agencies and deadlines, and what happens to each (the process simulated to a
horizon); :mod:`forecast.sample.draw` draws the bundled portfolio from it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.sample.process import (
    CONCLUSIONS,
    PLAN02,
    RECLASSIFY_SHARE,
    WINDOW_START,
    Luck,
    Process,
    YearEndPush,
    calendar,
    date_of,
    day_hazards,
    day_of,
    draw_luck,
    simulate_tasks,
    solve_push,
)
from forecast.sample.tables import AGENCIES, COHORTS, Cohort

DATASET_LABEL = "SYNTHETIC calibrated sample - not real monitoring data"
CALIBRATION_DATE = pd.Timestamp("2025-12-04")
YEAR_END = pd.Timestamp("2025-12-31")
BASE_TASKS = 1287
POOL_FACTOR = 6
BUNDLED_DRAW = 0  # the bundled sample is draw BUNDLED_DRAW from the pool of seed 37 (data/sample/README.md)

REGULAR_SHARES = {CONCLUSIONS: 110 / 178, PLAN02: 68 / 178}
AGENCY_SD = 0.6
WEEK_SD = 0.15
STATE_TARGETS = {"completed": 601, "overdue": 104, "due_by_year_end": 368, "due_later": 36}
REGULAR_TASKS = 178
WEEK_ORIGIN, N_WEEKS = pd.Timestamp("2024-01-04"), 52 * 4


def draw_pool(
    tasks: int, seed: int, horizon: pd.Timestamp, process: Process, factor: int = POOL_FACTOR
) -> pd.DataFrame:
    """A pool of ``factor`` times the needed tasks, simulated to ``horizon``. A fixed number of draws per seed, so
    a later horizon continues the same portfolio."""
    rng = np.random.default_rng(seed)
    week_shock = np.exp(rng.normal(-(WEEK_SD**2) / 2, WEEK_SD, N_WEEKS))
    frailty = np.exp(rng.normal(-(AGENCY_SD**2) / 2, AGENCY_SD, len(AGENCIES)))
    n = factor * round(sum(STATE_TARGETS.values()) * tasks / BASE_TASKS)
    return _pool(rng, n, horizon, week_shock, frailty, process)


def _pool(
    rng: np.random.Generator,
    n: int,
    horizon: pd.Timestamp,
    week_shock: np.ndarray,
    frailty: np.ndarray,
    process: Process,
) -> pd.DataFrame:
    """Simulate ``n`` candidate tasks: what happens to each, and when (:mod:`forecast.sample.process`)."""
    parts = []
    counts = rng.multinomial(n, [c.share for c in COHORTS])
    weights = np.array([a[2] for a in AGENCIES])
    for index, (cohort, k) in enumerate(zip(COHORTS, counts, strict=True)):
        lo, hi = (pd.Timestamp(d).value for d in cohort.arrival)
        arrival = pd.to_datetime(lo + rng.random(k) * (hi - lo)).normalize()
        rule = rng.choice(len(cohort.deadlines), size=k, p=_deadline_weights(cohort, process))
        deadline = _deadlines([cohort.deadlines[r][0] for r in range(len(cohort.deadlines))], rule, arrival)
        deadline = deadline.where(deadline > arrival + pd.Timedelta(days=14), arrival + pd.offsets.MonthEnd(2))
        agency = rng.choice(len(AGENCIES), size=k, p=weights / weights.sum())
        parts.append(
            pd.DataFrame(
                {
                    "cohort": index,
                    "source": cohort.source,
                    "agency": agency,
                    "arrival": arrival,
                    "deadline": deadline,
                    "assigned_date": arrival - pd.to_timedelta(rng.integers(0, cohort.assigned_lag + 1, k), unit="D"),
                    "rate": process.rates[cohort.group] * frailty[agency],
                }
            )
        )
    pool = pd.concat(parts, ignore_index=True)
    luck = draw_luck(rng, len(pool))
    first, last = day_of(pool["arrival"].min())[0] if len(pool) else 0, day_of(horizon)[0]
    days = date_of(np.arange(first, last + 1))

    def run(p: Process) -> tuple[dict[str, np.ndarray], np.ndarray]:
        common = week_shock[(days - WEEK_ORIGIN).days // 7] * calendar(days, p)
        args = (day_of(pool["arrival"]), day_of(pool["deadline"]), pool["rate"].to_numpy(), pool["source"].to_numpy())
        return simulate_tasks(*args, luck, p, common, first), common

    if process.year_end is not None and np.isnan(process.year_end.clearance):  # solve the push's clearance first
        before, _ = run(replace(process, year_end=None))  # the same events up to the push's onset
        process = replace(process, year_end=_solved(pool, luck, before, process, week_shock, days, first))
    events, _ = run(process)
    return pool.drop(columns="rate").assign(
        done=date_of(events["done"]),
        extended=date_of(events["extended"]),
        new_deadline=date_of(events["new_deadline"]),
        reclassified=date_of(events["reclassified"]),
    )


def _solved(
    pool: pd.DataFrame,
    luck: Luck,
    events: dict[str, np.ndarray],
    process: Process,
    week_shock: np.ndarray,
    days: pd.DatetimeIndex,
    first: int,
) -> YearEndPush:
    """The process's year-end push with its clearance solved (:func:`forecast.sample.process.solve_push`) on the
    pool's tasks open on 27 Nov 2025 and due by 31 Dec, with their own hazards from 28 Nov."""
    assert process.year_end is not None
    when = day_of(WINDOW_START)[0]
    deadline = np.where(events["extended"] <= when, events["new_deadline"], day_of(pool["deadline"]))
    arrived = day_of(pool["arrival"]) <= when
    still = (events["done"] > when) & (events["reclassified"] > when) & arrived
    open_due = still & (deadline <= day_of(YEAR_END)[0])
    overdue = int((open_due & (deadline < when)).sum())
    exit_rate = np.where(events["extended"] <= when, process.exit_rate * RECLASSIFY_SHARE, process.exit_rate)
    span = np.arange(when + 1, day_of(YEAR_END)[0] + 1)

    def hazards(push: YearEndPush):
        p = replace(process, year_end=push)
        common = week_shock[(days - WEEK_ORIGIN).days // 7] * calendar(days, p)
        return day_hazards(
            deadline, pool["rate"].to_numpy(), pool["source"].to_numpy(), luck, exit_rate, p, common, first, span
        )

    return solve_push(process.year_end, hazards, open_due, overdue)


def year_end_push(seed: int) -> YearEndPush | None:
    """A year-end push drawn from the kit's reference class (:func:`forecast.models.outside_view.fit_prior`) for the
    sample of ``seed``: none with the prior's ``no_push`` chance; else its onset day (from the prior's onset weeks, on
    or after 5 Dec 2025: the bundled snapshots up to 4 Dec show no push), the intensity that makes December ``M`` times
    an ordinary month's pace for a push from the prior's typical onset day, its backlog target ``rho`` (for a push from
    that day too), overdue split and carry-over share (the wave on the onset day), as :mod:`forecast.models.year_end`
    reads a push."""
    from forecast.models.outside_view import fit_prior

    prior = fit_prior()
    rng = np.random.default_rng([seed, 12, 31])
    if rng.random() < prior.no_push:
        return None
    draw = {k: float(v[0]) for k, v in prior.draw(rng, 1).items()}
    window = 31
    days = prior.onset_days(window)
    allowed = days * (np.arange(window) >= 4)  # 5 Dec onwards
    onset = int(rng.choice(window, p=allowed / allowed.sum()))
    typical = round(float(np.arange(window) @ days))
    intensity = max(1.0 + (draw["multiplier"] - 1.0) * window / max(window - typical, 1), 0.0)
    first = day_of(pd.Timestamp("2025-12-01"))[0]
    return YearEndPush(
        onset=first + onset,
        typical=first + typical,
        intensity=intensity,
        split=draw["overdue_split"],
        backlog=draw["backlog"],
        wave=float(-np.log1p(-min(draw["carry_over"], 1 - 1e-9))),
    )


def _deadline_weights(cohort: Cohort, process: Process) -> list[float]:
    """The cohort's deadline shares; Res 71's first wave: ``process.first_wave_june`` on 30 Jun, 10 % on 31 Dec and
    the rest in May (55:45 on the 15th and the 31st)."""
    if cohort.group != "res71_first":
        return [d[1] for d in cohort.deadlines]
    june = float(np.clip(process.first_wave_june, 0.05, 0.85))
    return [(0.9 - june) * 0.55, (0.9 - june) * 0.45, june, 0.1]


def _deadlines(rules: list[str], rule: np.ndarray, arrival: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Deadline by rule: a fixed date, or "+N": the month-end on or after N days after arrival."""
    out = pd.Series(pd.NaT, index=range(len(arrival)), dtype="datetime64[ns]")
    for r, text in enumerate(rules):
        pick = rule == r
        out[pick] = (
            arrival[pick] + pd.Timedelta(days=int(text[1:])) + pd.offsets.MonthEnd(0)
            if text[0] == "+"
            else pd.Timestamp(text)
        )
    return pd.DatetimeIndex(out)
