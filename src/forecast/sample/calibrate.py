"""What ``bench/calibrate_sample.py`` minimises: the flows of the *expected* sample of a process."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.sample.draw import quotas, regular_tasks, snapshots
from forecast.sample.flows import DEC, TARGETS, flow_table
from forecast.sample.pool import BASE_TASKS, REGULAR_TASKS, draw_pool
from forecast.sample.tables import AGENCIES


def expected_table(process, seed: int = 1, factor: int = 12) -> pd.DataFrame:
    """:func:`flow_table` of the *expected* bundled-size sample of ``process``: a pool ``factor`` times the
    sample's size, each task weighted by the chance that the draw picks it (its cell's quota over the cell's size).
    The same ``seed`` gives the same pool, so the loss is a smooth-ish, repeatable function of the process's levels
    (common random numbers): what ``bench/calibrate_sample.py`` minimises."""
    pool = draw_pool(BASE_TASKS, seed, pd.Timestamp(DEC) + pd.Timedelta(days=1), process, factor)
    cell_state, quota = quotas(pool, 1.0)
    column = cell_state.map({s: j for j, s in enumerate(quota.columns)}).fillna(-1).astype(int).to_numpy()
    row, arrived = pool["cohort"].to_numpy(), column >= 0
    size = np.zeros(quota.shape)
    np.add.at(size, (row[arrived], column[arrived]), 1)
    weight = np.zeros(len(pool))
    weight[arrived] = quota.to_numpy(float)[row[arrived], column[arrived]] / size[row[arrived], column[arrived]]
    pool = pool.assign(weight=weight)
    born_regular = REGULAR_TASKS - int(quota["regular"].sum())
    regular = regular_tasks(np.random.default_rng([seed, 10**6]), factor * born_regular)
    regular = regular.assign(weight=1 / factor)
    portfolio = pd.concat(
        [
            pool.loc[pool["weight"] > 0]
            .drop(columns="cohort")
            .assign(agency=lambda f: [AGENCIES[a][0] for a in f["agency"]]),
            regular,
        ],
        ignore_index=True,
    )
    portfolio["task_id"] = np.arange(len(portfolio))
    dates = pd.DatetimeIndex(sorted({t.snapshot for t in TARGETS} | {t.since for t in TARGETS if t.since}))
    return flow_table(snapshots(portfolio, dates))
