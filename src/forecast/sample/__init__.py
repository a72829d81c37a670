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

from forecast.sample.draw import generate, portfolio, quotas, regular_tasks, snapshots, state
from forecast.sample.pool import (
    BASE_TASKS,
    BUNDLED_DRAW,
    CALIBRATION_DATE,
    DATASET_LABEL,
    POOL_FACTOR,
    REGULAR_TASKS,
    YEAR_END,
    draw_pool,
    year_end_push,
)
from forecast.sample.tables import AGENCIES, COHORTS

__all__ = [
    "AGENCIES",
    "BASE_TASKS",
    "BUNDLED_DRAW",
    "CALIBRATION_DATE",
    "COHORTS",
    "DATASET_LABEL",
    "POOL_FACTOR",
    "REGULAR_TASKS",
    "YEAR_END",
    "draw_pool",
    "generate",
    "portfolio",
    "quotas",
    "regular_tasks",
    "snapshots",
    "state",
    "year_end_push",
]
