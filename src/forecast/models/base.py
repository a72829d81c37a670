"""Helpers every slip model shares: the forecast horizon's steps and agency coding.

The protocols the models implement (``SlipModel``, ``Sampler``) belong to their consumer,
:mod:`forecast.engine.simulate`.
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
    """Index of each task's agency in ``known``; agencies not in it get indices after it, one per agency, in the
    order they first appear. Each distinct agency is looked up once (a national portfolio has a million rows)."""
    codes, uniques = pd.factorize(agencies, use_na_sentinel=False)
    lookup = {a: i for i, a in enumerate(known)}
    index = np.empty(len(uniques), dtype=np.int64)
    for j, a in enumerate(pd.Series(uniques).astype(str)):
        index[j] = lookup.setdefault(a, len(lookup))
    return index[codes]


def distinct_rows(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows, each row's index among them) of integer columns of equal length, by hashing (a sort of
    ten million rows of ``np.unique(axis=0)`` is the slow way). The distinct rows are in order of first
    appearance."""
    frame = pd.DataFrame({i: np.asarray(c, dtype=np.int64) for i, c in enumerate(columns)})
    of = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    first = np.empty(int(of.max(initial=-1)) + 1, dtype=np.int64)
    first[of[::-1]] = np.arange(len(of) - 1, -1, -1)  # the first row of each: reversed, so the first write wins
    return frame.to_numpy()[first], of


def sorted_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(rows, axis=0, return_inverse=True)`` (distinct rows in lexicographic order, each row's index
    among them) for a 2-D array whose equal rows are equal byte for byte (no -0.0 beside 0.0, no NaN): the rows
    are told apart as raw bytes, then only the distinct ones sorted. ``np.unique(axis=0)`` compares a wide row
    field by field: 17 ms for 311 rows of 293 exposure columns, against under 1 ms here."""
    rows = np.ascontiguousarray(rows)
    as_bytes = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).reshape(-1)
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    distinct = rows[first]
    order = np.lexsort(distinct.T[::-1])  # the first column is the primary key
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return distinct[order], rank[inverse.reshape(-1)]
