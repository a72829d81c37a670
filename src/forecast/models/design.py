"""Covariates of the completion-hazard models, as integer-coded bands shared by fitting and simulation.

* **days to deadline** at the start of an interval, ``ttd = deadline - start`` in days; negative = overdue, so the
  overdue flag is the sign of the band. Bands (days): overdue > 90, overdue 31-90, overdue 1-30, due in 0-7, 8-14,
  15-30, 31-60, 61-90, > 90.
* **task age** at the start of an interval, days since it was assigned (since first seen when the export has no
  assigned date): 0-30, 31-90, 91-180, > 180.
* **source**: the assigning document; sources with few intervals are pooled as "other".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TTD_EDGES = np.array([-90, -30, 0, 8, 15, 31, 61, 91])
TTD_LABELS = ("overdue >90d", "overdue 31-90d", "overdue 1-30d", "due 0-7d", "due 8-14d", "due 15-30d",
              "due 31-60d", "due 61-90d", "due >90d")
AGE_EDGES = np.array([31, 91, 181])
AGE_LABELS = ("age 0-30d", "age 31-90d", "age 91-180d", "age >180d")
OTHER_SOURCE = "other / unspecified"


def ttd_band(days_to_deadline: np.ndarray) -> np.ndarray:
    """Band index (0..8) of days to the task's own deadline (negative when overdue)."""
    return np.searchsorted(TTD_EDGES, days_to_deadline, side="right")


def age_band(age_days: np.ndarray) -> np.ndarray:
    """Band index (0..3) of days since assignment."""
    return np.searchsorted(AGE_EDGES, age_days, side="right")


def task_origin(tasks: pd.DataFrame) -> pd.Series:
    """The date a task's age counts from: its assigned date, else the first snapshot it was seen in."""
    return tasks["assigned_date"].fillna(tasks["first_seen"])


def source_text(sources: pd.Series) -> pd.Series:
    """Sources as plain text, a missing source (or a missing ``source`` column, all empty) as :data:`OTHER_SOURCE`.

    Works on any dtype: an all-missing categorical cannot take a new value with ``fillna``, so it is cast first.
    """
    return sources.astype(object).where(sources.notna(), OTHER_SOURCE).astype(str)


def source_levels(sources: pd.Series, min_count: int) -> tuple[str, ...]:
    """Sources with at least ``min_count`` rows, most frequent first; the rest become :data:`OTHER_SOURCE`."""
    counts = source_text(sources).value_counts()
    keep = tuple(counts.index[counts >= min_count])
    return keep if OTHER_SOURCE in keep or len(keep) == len(counts) else (*keep, OTHER_SOURCE)


def source_code(sources: pd.Series, levels: tuple[str, ...]) -> np.ndarray:
    """Index of each source in ``levels``; unknown or rare sources map to :data:`OTHER_SOURCE` (or level 0)."""
    lookup = {s: i for i, s in enumerate(levels)}
    fallback = lookup.get(OTHER_SOURCE, 0)
    return np.array([lookup.get(s, fallback) for s in source_text(sources)], dtype=np.int64)


def design_matrix(ttd: np.ndarray, age: np.ndarray, source: np.ndarray, n_sources: int) -> np.ndarray:
    """Treatment-coded design: intercept, ttd bands (reference "due >90d"), age bands (reference 0-30d),
    sources (reference: the most frequent). Inputs are band/level indices; returns float64 (rows x p)."""
    n = len(ttd)
    ref_ttd = len(TTD_LABELS) - 1
    cols = [np.ones(n)]
    cols += [(ttd == b).astype(float) for b in range(len(TTD_LABELS)) if b != ref_ttd]
    cols += [(age == b).astype(float) for b in range(1, len(AGE_LABELS))]
    cols += [(source == s).astype(float) for s in range(1, n_sources)]
    return np.column_stack(cols)


def design_names(sources: tuple[str, ...]) -> list[str]:
    return (["intercept"] + [t for t in TTD_LABELS if t != TTD_LABELS[-1]] + list(AGE_LABELS[1:])
            + [f"source: {s}" for s in sources[1:]])
