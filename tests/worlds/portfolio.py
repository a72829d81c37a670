"""The tasks of a test world: agencies, sources, arrival waves, assigned dates and deadlines.

Written apart from :mod:`forecast.sample` (which it must not import): its own agencies, sources, waves and deadline
rule, so a world built on it shares nothing with the kit's generator but the export format.

* **Agencies**: ``agencies`` of them (ministries, central agencies, provinces), sized by a Zipf-like weight
  ``1 / (rank + 2) ** 0.9``, so the largest holds about 15 times the tasks of the smallest. Each agency's
  completion-rate effect is log-normal, ``exp(N(0, agency_sd))``.
* **Sources**: three assigning documents with rate multipliers :data:`SOURCES`.
* **Arrival** (the date a task first appears in the exports) comes in :data:`WAVES` (normal around each wave's
  centre) plus a uniform trickle; the first wave is before the first snapshot, so those tasks are left-truncated.
  ``assigned_date`` is 0-20 days before arrival.
* **Deadlines** are month-ends: "finish in 2025" (31 Dec 2025) for ``year_end_share`` of the tasks that arrive
  before November, otherwise the month-end 45-300 days after arrival (some fall in 2026). ``regular_share`` of the
  tasks are regular from the start (no deadline).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

YEAR_END = np.datetime64("2025-12-31")
# (name, daily-rate multiplier, share of tasks)
SOURCES = (("Resolution wave", 1.0, 0.45), ("Conclusion notice", 1.3, 0.35), ("Action plan", 0.8, 0.20))
# (centre, sd in days, share of tasks); the rest arrive uniformly over TRICKLE
WAVES = (("2025-01-20", 12, 0.30), ("2025-04-15", 10, 0.22), ("2025-07-01", 10, 0.18), ("2025-09-15", 8, 0.12))
TRICKLE = ("2025-01-01", "2025-11-25")
AGENCY_TYPES = (("Ministry", "ministry", 18), ("Central agency", "central agency", 7), ("Province", "province", 30))


def agency_table(count: int) -> pd.DataFrame:
    """``count`` agencies, largest first: ``agency, agency_type, weight`` (weights sum to 1)."""
    names, types = [], []
    for prefix, kind, most in AGENCY_TYPES:
        for i in range(most):
            names.append(f"{prefix} {i + 1:02d}")
            types.append(kind)
    if not 1 <= count <= len(names):
        raise ValueError(f"agencies must be between 1 and {len(names)}, not {count}")
    order = np.random.default_rng(0).permutation(len(names))[:count]  # a fixed mix of the three kinds
    weight = 1 / (np.arange(count) + 2) ** 0.9
    return pd.DataFrame(
        {"agency": np.array(names)[order], "agency_type": np.array(types)[order], "weight": weight / weight.sum()}
    )


def arrival_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Arrival dates (``datetime64[D]``) of ``n`` tasks: the waves of :data:`WAVES` plus a uniform trickle."""
    shares = np.array([w[2] for w in WAVES])
    which = rng.choice(len(WAVES) + 1, size=n, p=[*shares, 1 - shares.sum()])
    lo, hi = (np.datetime64(d) for d in TRICKLE)
    days = lo + rng.integers(0, int((hi - lo).astype(int)) + 1, size=n).astype("timedelta64[D]")
    for i, (centre, sd, _) in enumerate(WAVES):
        pick = which == i
        offset = np.rint(rng.normal(0, sd, size=pick.sum())).astype("timedelta64[D]")
        days[pick] = np.datetime64(centre) + offset
    return days


def month_end(days: np.ndarray, months_ahead: np.ndarray | int = 0) -> np.ndarray:
    """The last day of the month ``months_ahead`` months after each day's month (``datetime64[D]``)."""
    month = days.astype("datetime64[M]") + np.asarray(months_ahead).astype("timedelta64[M]")
    return (month + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")


def draw_tasks(
    rng: np.random.Generator,
    tasks: int,
    agencies: int,
    agency_sd: float,
    base_rate: float,
    year_end_share: float = 0.4,
    regular_share: float = 0.12,
) -> pd.DataFrame:
    """One row per task: ``task_id, agency, agency_type, source, title, arrival, assigned_date, deadline, regular,
    rate`` (``rate`` = base daily completion rate x source x agency effect, per day)."""
    table = agency_table(agencies)
    agency = rng.choice(agencies, size=tasks, p=table["weight"].to_numpy())
    effect = np.exp(rng.normal(0, agency_sd, size=agencies))
    source = rng.choice(len(SOURCES), size=tasks, p=[s[2] for s in SOURCES])
    arrival = arrival_days(rng, tasks)
    assigned = arrival - rng.integers(0, 21, size=tasks).astype("timedelta64[D]")
    ahead = month_end(arrival + rng.integers(45, 301, size=tasks).astype("timedelta64[D]"))
    year_end = (rng.random(tasks) < year_end_share) & (arrival < np.datetime64("2025-11-01"))
    deadline = np.where(year_end, YEAR_END, ahead)
    regular = rng.random(tasks) < regular_share
    rates = base_rate * np.array([s[1] for s in SOURCES])[source] * effect[agency]
    return pd.DataFrame(
        {
            "task_id": [f"W-{i + 1:04d}" for i in range(tasks)],
            "agency": table["agency"].to_numpy()[agency],
            "agency_type": table["agency_type"].to_numpy()[agency],
            "source": np.array([s[0] for s in SOURCES])[source],
            "title": [f"Programme task {i + 1}" for i in range(tasks)],
            "arrival": arrival,
            "assigned_date": assigned,
            "deadline": np.where(regular, np.datetime64("NaT"), deadline).astype("datetime64[D]"),
            "regular": regular,
            "rate": rates,
        }
    )
