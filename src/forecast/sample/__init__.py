"""The bundled SYNTHETIC portfolio: weekly snapshot exports calibrated to the published stocks and flows.

No public task-level export of the Resolution 57 monitoring system exists, so the kit ships this stand-in. It is
not real data; every file it writes says so in a ``dataset`` column.

How it is made (``generate``):

1. **Tasks.** Each non-regular task has a source document (Resolution 71/NQ-CP, the Steering Committee's conclusion
   notices, Plan 02-KH/BCĐTW), an agency drawn from :data:`AGENCIES` (skewed: some hold 3 tasks, some 150), the
   date it enters the monitoring system (``arrival``; Resolution 71 came in two waves, conclusion notices arrive
   all year, so tasks assigned before the first snapshot are *left-truncated*), an ``assigned_date`` and a
   ``deadline`` (month-ends, with a spike on 31 Dec 2025: "finish in 2025").
2. **What happens to a task** is :mod:`forecast.sample.process`: a completion hazard (cohort rate x agency frailty
   (log-normal, sd 0.6) x deadline pull with a sharp push in the last week x weekly shock (sd 0.15) x a push on
   overdue tasks before each review meeting x the December regime) competing, once a task is overdue, with deadline
   extensions (the export's deadline changes) and reclassifications (its status becomes ``regular``).
3. **Calibration.** A pool six times larger than needed is simulated; tasks are then drawn from it within
   (cohort x state on 4 Dec 2025) cells whose sizes match the published 4 Dec figures exactly (601 completed,
   104 overdue, 368 in progress due by 31 Dec, 36 due later, 178 regular, some of them reclassified), systematically
   along each task's states at the report dates. The levels of the process were fitted, not tuned:
   ``bench/calibrate_sample.py`` minimises the misses (in units of the test tolerance) of the published flows and
   stocks of :mod:`forecast.sample.flows` over the expected sample of the seed-37 pool (common random numbers,
   Nelder-Mead); :data:`forecast.sample.process.FITTED` records the result. The bundled sample is draw
   :data:`BUNDLED_DRAW` from that pool, the first of 40 that meets every tolerance (``data/sample/README.md`` gives
   its flows table and the loss).
4. **Snapshots.** Every Thursday from ``start`` to ``until``: a task appears from its arrival; its status is
   completed (on time or late, against the deadline in force) once completed, regular once reclassified, else
   overdue after its deadline, else in progress. Regular tasks stay "regular". Snapshots after 4 Dec 2025 continue
   the same process (the synthetic "truth" a forecast can be checked against), with a year-end push drawn from the
   kit's reference class of past year ends (:func:`year_end_push`), or none with the chance it gives a December
   like the autumn; nothing up to 4 Dec depends on it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.errors import ForecastError
from forecast.sample.flows import REPORT_SNAPSHOTS
from forecast.sample.process import (
    CONCLUSIONS,
    FITTED,
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
from forecast.sample.tables import AGENCIES, COHORTS, THEMES, TOPICS, Cohort

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


def generate(
    tasks: int = BASE_TASKS,
    seed: int = 37,
    start: str = "2025-03-06",
    until: str = "2025-12-04",
    december: float | None = None,
    process: Process = FITTED,
    draw: int = BUNDLED_DRAW,
) -> pd.DataFrame:
    """The long snapshot frame (canonical columns plus ``dataset``) of a synthetic portfolio of ``tasks`` tasks.

    ``seed`` sets the pool (agency frailties, weekly shocks, tasks and what happens to them), ``draw`` the tasks
    drawn from it. December: by default a year-end push drawn from the reference class (:func:`year_end_push`,
    seeded by ``seed``; none with the prior's no-push chance); ``december`` instead multiplies every completion
    hazard from 5 to 31 Dec 2025 (1: December like the history). The snapshots up to 4 Dec depend on neither."""
    start_ts, until_ts = pd.Timestamp(start), pd.Timestamp(until)
    if start_ts < WEEK_ORIGIN or until_ts > WEEK_ORIGIN + pd.Timedelta(weeks=N_WEEKS - 26) or until_ts < start_ts:
        raise ForecastError(
            f"the sample covers {WEEK_ORIGIN.date()} to 2027, start before until; got {start} to {until}"
        )
    if december is not None and not december > 0:
        raise ForecastError(f"december must be a positive multiplier, not {december}")
    if december is not None:
        process = replace(process, december=december)
    elif until_ts > CALIBRATION_DATE:
        process = replace(process, year_end=year_end_push(seed))
    pool = draw_pool(tasks, seed, max(until_ts, YEAR_END) + pd.Timedelta(days=30), process)
    return snapshots(portfolio(pool, tasks, seed, draw), pd.date_range(start_ts, until_ts, freq="7D"))


def portfolio(pool: pd.DataFrame, tasks: int, seed: int, draw: int) -> pd.DataFrame:
    """``tasks`` tasks drawn from ``pool`` (:func:`_select`) plus the regular ones, with their ids."""
    rng = np.random.default_rng([seed, draw])
    chosen, reclassified = _select(rng, pool, tasks / BASE_TASKS)
    regular = regular_tasks(rng, round(REGULAR_TASKS * tasks / BASE_TASKS) - reclassified)
    out = pd.concat([chosen, regular], ignore_index=True)
    out["task_id"] = [f"R57-{i:06d}" for i in rng.permutation(len(out)) + 1]
    return out


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


def state(pool: pd.DataFrame, when: pd.Timestamp) -> pd.Series:
    """Each task's state on ``when``: not_arrived, regular (reclassified), completed, overdue, due_by_year_end or
    due_later (in progress, by the deadline in force)."""
    deadline = pool["new_deadline"].where(pool["extended"] <= when, pool["deadline"])
    return pd.Series(
        np.select(
            [
                pool["arrival"] > when,
                pool["reclassified"] <= when,
                pool["done"] <= when,
                deadline < when,
                deadline <= YEAR_END,
            ],
            ["not_arrived", "regular", "completed", "overdue", "due_by_year_end"],
            "due_later",
        ),
        index=pool.index,
    )


def quotas(pool: pd.DataFrame, scale: float) -> tuple[pd.Series, pd.DataFrame]:
    """Each arrived pool task's (cohort x 4 Dec state) cell, and the number of tasks to draw from each cell: the
    4 Dec state totals exactly (:data:`STATE_TARGETS`, plus as many reclassified tasks as the pool's share gives),
    each cohort its share of them."""
    st = state(pool, CALIBRATION_DATE)
    arrived = st != "not_arrived"
    targets = {k: round(v * scale) for k, v in STATE_TARGETS.items()}
    share = (st[arrived] == "regular").mean()
    targets["regular"] = min(round(sum(targets.values()) * share / (1 - share)), round(REGULAR_TASKS * scale))
    table = pd.crosstab(pool.loc[arrived, "cohort"], st[arrived]).reindex(
        index=range(len(COHORTS)), columns=list(targets), fill_value=0
    )
    total = sum(targets.values())
    quota = _fit_margins(
        table.to_numpy(float), np.array([round(c.share * total) for c in COHORTS]), np.array(list(targets.values()))
    )
    return st.where(arrived), pd.DataFrame(quota, index=table.index, columns=table.columns)


def _select(rng: np.random.Generator, pool: pd.DataFrame, scale: float) -> tuple[pd.DataFrame, int]:
    """Draw tasks within the cells of :func:`quotas`; also returns how many of them are reclassified by 4 Dec.

    Within a cell the draw is systematic over the tasks sorted by their trajectory through the published report
    dates (random order among equal trajectories, random start): every task has the same chance as in a simple
    random draw, but the draw carries the pool's flows instead of a lucky or unlucky subsample of them."""
    cell_state, quota = quotas(pool, scale)
    key = _trajectory(pool)
    picks = []
    for i in quota.index:
        for st in quota.columns:
            cell = pool.index[(pool["cohort"] == i) & (cell_state == st)].to_numpy()
            q = quota.loc[i, st]
            if q > len(cell):
                raise RuntimeError(f"sample pool too small for cohort {i}/{st}: {q} > {len(cell)}")
            cell = cell[np.lexsort((rng.random(len(cell)), key[cell]))]
            step = len(cell) / max(q, 1)
            picks.append(cell[(rng.random() * step + step * np.arange(q)).astype(int)])
    chosen = pool.loc[np.concatenate(picks)].drop(columns="cohort")
    chosen = chosen.assign(agency=[AGENCIES[a][0] for a in chosen["agency"]]).reset_index(drop=True)
    return chosen, int(quota["regular"].sum())


def _ratio(wanted: np.ndarray, have: np.ndarray) -> np.ndarray:
    """wanted / have, 1 where nothing is had (an empty margin, e.g. no reclassified task, stays empty)."""
    return np.divide(wanted, have, out=np.ones_like(have), where=have > 0)


def _trajectory(pool: pd.DataFrame) -> np.ndarray:
    """A code per task for its states (completions split on time / late) on the snapshots nearest the reports."""
    names = ["not_arrived", "regular", "completed", "overdue", "due_by_year_end", "due_later"]
    due_then = pool["new_deadline"].where(pool["extended"] < pool["done"], pool["deadline"])
    late = (pool["done"] > due_then).to_numpy()
    key = np.zeros(len(pool), dtype=np.int64)
    for when in REPORT_SNAPSHOTS:
        st = state(pool, pd.Timestamp(when)).to_numpy()
        key = key * 7 + np.where((st == "completed") & late, 6, pd.Index(names).get_indexer(st))
    return key


def _fit_margins(table: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Integer table close to ``table`` (iterative proportional fitting) with exactly these margins."""
    rows = rows + (cols.sum() - rows.sum()) * (np.arange(len(rows)) == np.argmax(rows))
    fit = np.where(table > 0, table + 0.5, 0.0)  # a cell the pool never fills stays empty
    for _ in range(200):
        fit *= _ratio(rows, fit.sum(axis=1))[:, None]
        fit *= _ratio(cols, fit.sum(axis=0))
    out = np.floor(fit).astype(int)
    # hand out the remaining units where the rounding lost most, one at a time, keeping both margins
    while (out.sum(axis=1) < rows).any():
        i = np.argmax(rows - out.sum(axis=1))
        free = cols - out.sum(axis=0)
        j = np.argmax(np.where((free > 0) & (fit[i] > 0), fit[i] - out[i], -np.inf))
        out[i, j] += 1
    return out


def regular_tasks(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` tasks that are regular from the day they arrive (Jan-Nov 2025, weekly)."""
    source = rng.choice(list(REGULAR_SHARES), size=n, p=list(REGULAR_SHARES.values()))
    arrival = pd.to_datetime(rng.choice(pd.date_range("2025-01-09", "2025-11-27", freq="7D").values, n))
    weights = np.array([a[2] for a in AGENCIES])
    agency = rng.choice(len(AGENCIES), size=n, p=weights / weights.sum())
    never = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    return pd.DataFrame(
        {
            "source": source,
            "agency": [AGENCIES[a][0] for a in agency],
            "arrival": arrival,
            "deadline": never,
            "assigned_date": arrival,
            "done": never,
            "extended": never,
            "new_deadline": never,
            "reclassified": arrival,
        }
    )


def snapshots(portfolio: pd.DataFrame, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """The long snapshot frame of ``portfolio`` (tasks with their event dates) at ``dates``."""
    agency_type = {a[0]: a[1] for a in AGENCIES}
    rng = np.random.default_rng(len(portfolio))
    titles = [
        THEMES[t].format(TOPICS[p]) + " (synthetic)"
        for t, p in zip(
            rng.integers(0, len(THEMES), len(portfolio)), rng.integers(0, len(TOPICS), len(portfolio)), strict=True
        )
    ]
    portfolio = portfolio.assign(title=titles, agency_type=portfolio["agency"].map(agency_type))
    events = ("arrival", "extended", "new_deadline", "deadline", "done", "reclassified")
    day = {c: portfolio[c].to_numpy("datetime64[ns]") for c in events}
    at, row = np.nonzero(day["arrival"][None, :] <= dates.to_numpy("datetime64[ns]")[:, None])  # by date, then task
    when = dates.to_numpy("datetime64[ns]")[at]
    take = {c: day[c][row] for c in day}
    deadline = np.where(take["extended"] <= when, take["new_deadline"], take["deadline"])
    done = take["done"] <= when
    due_then = np.where(take["extended"] < take["done"], take["new_deadline"], take["deadline"])
    status = np.select(
        [take["reclassified"] <= when, done & (take["done"] <= due_then), done, deadline < when],
        [schema.REGULAR, schema.COMPLETED_ON_TIME, schema.COMPLETED_LATE, schema.OVERDUE],
        schema.IN_PROGRESS,
    )
    frame = pd.DataFrame(
        {
            "snapshot_date": when.astype("datetime64[us]"),  # the unit a Timestamp column gets
            **{c: portfolio[c].to_numpy()[row] for c in ("task_id", "title", "agency", "agency_type", "source")},
            "assigned_date": portfolio["assigned_date"].to_numpy()[row],
            "deadline": deadline,
            "status": status,
            "dataset": DATASET_LABEL,
            **({"weight": portfolio["weight"].to_numpy()[row]} if "weight" in portfolio else {}),
        }
    )
    return frame.sort_values(["snapshot_date", "task_id"], ignore_index=True)
