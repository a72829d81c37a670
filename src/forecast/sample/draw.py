"""The bundled portfolio drawn from the pool (:mod:`forecast.sample.pool`) within the published 4 Dec 2025 cells,
and its weekly snapshot exports."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from forecast.data import schema
from forecast.errors import ForecastError
from forecast.sample.flows import REPORT_SNAPSHOTS
from forecast.sample.pool import (
    BASE_TASKS,
    BUNDLED_DRAW,
    CALIBRATION_DATE,
    DATASET_LABEL,
    N_WEEKS,
    REGULAR_SHARES,
    REGULAR_TASKS,
    STATE_TARGETS,
    WEEK_ORIGIN,
    YEAR_END,
    draw_pool,
    year_end_push,
)
from forecast.sample.process import (
    FITTED,
    Process,
)
from forecast.sample.tables import AGENCIES, COHORTS, THEMES, TOPICS


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
