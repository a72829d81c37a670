"""Scores of probabilistic forecasts of counts and of per-task probabilities. Small pure functions.

* :func:`crps` — continuous ranked probability score of a sample of draws against the outcome, in slips (lower is
  better): ``CRPS = E|X - y| - E|X - X'| / 2`` for X, X' independent draws from the forecast.
* :func:`interval_covers` — whether the central ``level`` interval of the draws contains the outcome.
* :func:`pit_bounds` and :func:`pit_histogram` — the non-randomised PIT histogram for count data (Czado, Gneiting
  and Held 2009): with predictive CDF F, outcome y has PIT "spread" uniformly over ``[F(y - 1), F(y)]``; a
  calibrated forecast gives a flat histogram, a U shape means intervals too narrow, a hump too wide.
* :func:`brier` and :func:`reliability` — for the per-task P(slip) against whether it slipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def crps(draws: np.ndarray, outcome: float) -> float:
    """CRPS of the empirical distribution of ``draws`` at ``outcome``.

    Uses the sorted-sample identity ``E|X - X'| = 2 / n^2 * sum_i (2i - n - 1) x_(i)`` (i = 1..n), O(n log n).
    """
    x = np.sort(np.asarray(draws, dtype=float))
    n = len(x)
    if n == 0:
        raise ValueError("no draws")
    spread = 2.0 / n**2 * np.sum((2 * np.arange(1, n + 1) - n - 1) * x)
    return float(np.mean(np.abs(x - outcome)) - 0.5 * spread)


def interval_covers(draws: np.ndarray, outcome: float, level: float) -> bool:
    """True when ``outcome`` lies in the central ``level`` interval of ``draws`` (quantiles of the draws)."""
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return bool(lo <= outcome <= hi)


def pit_bounds(draws: np.ndarray, outcome: int) -> tuple[float, float]:
    """``(F(y - 1), F(y))`` of the draws' empirical CDF at the count outcome y."""
    draws = np.asarray(draws)
    return float(np.mean(draws <= outcome - 1)), float(np.mean(draws <= outcome))


def pit_histogram(lower: np.ndarray, upper: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Non-randomised PIT histogram: for each bin ``[(j-1)/J, j/J)``, the mean over cases of the share of the
    uniform on ``[lower, upper]`` that falls in it. Heights sum to 1; a calibrated forecast has ``1 / bins`` each."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    edges = np.linspace(0, 1, bins + 1)

    def cdf(u: float) -> np.ndarray:  # the uniform-on-[lower, upper] CDF at u, per case
        width = upper - lower
        inside = np.where(width > 0, (u - lower) / np.where(width > 0, width, 1), (u >= upper).astype(float))
        return np.clip(inside, 0, 1)

    at_edges = np.stack([cdf(u) for u in edges])  # (bins+1 x cases)
    height = (np.diff(at_edges, axis=0)).mean(axis=1) if len(lower) else np.zeros(bins)
    return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "share": height})


def brier(p: np.ndarray, happened: np.ndarray) -> float:
    """Mean squared difference between the probabilities and the 0/1 outcomes."""
    p, o = np.asarray(p, float), np.asarray(happened, float)
    return float(np.mean((p - o) ** 2)) if len(p) else float("nan")


def reliability(p: np.ndarray, happened: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Predicted-probability bins against the observed share: ``bin_low, bin_high, tasks, predicted, observed``."""
    p, o = np.asarray(p, float), np.asarray(happened, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    frame = (
        pd.DataFrame({"bin": which, "p": p, "o": o})
        .groupby("bin")
        .agg(tasks=("p", "size"), predicted=("p", "mean"), observed=("o", "mean"))
    )
    frame = frame.reindex(range(bins))
    frame.insert(0, "bin_high", edges[1:])
    frame.insert(0, "bin_low", edges[:-1])
    frame["tasks"] = frame["tasks"].fillna(0).astype(int)
    return frame.reset_index(drop=True)


def mixture_crps_terms(draws: list[np.ndarray], outcome: float) -> tuple[np.ndarray, np.ndarray]:
    """The CRPS of a linear pool of count forecasts, as a quadratic in its weights w: ``CRPS(w) = w @ a - w @ B @ w
    / 2`` with ``a[i] = E|X_i - y|`` and ``B[i, j] = E|X_i - X_j|`` (X_i, X_j independent draws of components i and
    j). For integer counts ``E|X - Y| = sum_z F(z) (1 - G(z)) + G(z) (1 - F(z))`` over the integers z, from the
    components' empirical CDFs. Returns ``(a, B)``."""
    hi = int(max(*(int(np.max(d)) for d in draws), outcome)) + 1
    grid = np.arange(hi + 1)
    cdfs = np.stack([np.searchsorted(np.sort(np.asarray(d)), grid, side="right") / len(d) for d in draws])
    step = (grid >= outcome).astype(float)  # the outcome's CDF
    a = (cdfs * (1 - step) + step * (1 - cdfs)).sum(axis=1)
    B = cdfs @ (1 - cdfs).T
    return a, B + B.T
