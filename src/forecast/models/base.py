"""Helpers every slip model shares: the forecast horizon's steps and agency coding.

The protocols the models implement (``SlipModel``, ``Sampler``) belong to their consumer,
:mod:`forecast.simulate`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


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
