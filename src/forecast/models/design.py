"""Covariates of the completion-hazard models that are constant over an interval, as integer-coded levels shared by
fitting and simulation (the ones that change day by day, days to the deadline and to the next milestone, are in
:mod:`.exposure`):

* **task age** at the start of an interval, days since it was assigned (since first seen when the export has no
  assigned date): 0-30, 31-90, 91-180, > 180.
* **source**: the assigning document; sources with few intervals are pooled as "other".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

AGE_EDGES = np.array([31, 91, 181])
AGE_LABELS = ("age 0-30d", "age 31-90d", "age 91-180d", "age >180d")
OTHER_SOURCE = "other / unspecified"


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
    fallback = levels.index(OTHER_SOURCE) if OTHER_SOURCE in levels else 0
    codes = pd.Index(list(levels)).get_indexer(source_text(sources)).astype(np.int64)
    return np.where(codes < 0, fallback, codes)


def design_matrix(age: np.ndarray, source: np.ndarray, n_sources: int) -> np.ndarray:
    """Treatment-coded row design: intercept, age bands (reference 0-30d), sources (reference: the most frequent).
    Inputs are band/level indices; returns float64 (rows x p)."""
    cols = [np.ones(len(age))]
    cols += [(age == b).astype(float) for b in range(1, len(AGE_LABELS))]
    cols += [(source == s).astype(float) for s in range(1, n_sources)]
    return np.column_stack(cols)


def design_names(sources: tuple[str, ...]) -> list[str]:
    return ["intercept", *AGE_LABELS[1:], *(f"source: {s}" for s in sources[1:])]
