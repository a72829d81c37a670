"""What every slip model shares: the forecast horizon's steps and agency coding.

A model is fitted with ``fit(snapshots, as_of) -> self`` and asked for ``sampler(tasks, as_of, deadline)``: an
object whose ``draw(rng, size)`` returns cumulative completion hazards ``H`` (profiles x size), one column per
Monte Carlo run, and whose ``profile`` maps each task to its row: tasks with the same covariates and agency share a
profile, so the work per run scales with distinct profiles, not tasks. ``exp(-H)`` is the chance a task of that
profile is still open at the end of the deadline in that run; :func:`forecast.simulate.simulate` turns it into slips.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd


class Sampler(Protocol):
    profile: np.ndarray  # (tasks,) row of draw()'s result for each task

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray: ...


class SlipModel(Protocol):
    name: str

    def fit(self, data, as_of=None) -> SlipModel: ...

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> Sampler: ...


def horizon_steps(as_of, deadline, step_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Step start dates (datetime64[D]) and lengths in days covering ``as_of`` to the end of ``deadline``.

    A task open at the ``as_of`` snapshot has ``(deadline - as_of).days`` days left; steps are ``step_days`` long
    (the snapshot spacing the model was fitted on), the last one shorter.
    """
    total = (pd.Timestamp(deadline) - pd.Timestamp(as_of)).days
    if total <= 0:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=float)
    offsets = np.arange(0, total, max(int(step_days), 1))
    days = np.minimum(offsets + step_days, total) - offsets
    return np.datetime64(pd.Timestamp(as_of).date(), "D") + offsets, days.astype(float)


def agency_codes(agencies: pd.Series, known: Sequence[str]) -> np.ndarray:
    """Index of each task's agency in ``known``; agencies not in it get indices after it, one per agency."""
    lookup = {a: i for i, a in enumerate(known)}
    out = np.empty(len(agencies), dtype=np.int64)
    for i, a in enumerate(agencies.astype(str)):
        if a not in lookup:
            lookup[a] = len(lookup)
        out[i] = lookup[a]
    return out
