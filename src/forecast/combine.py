"""Several models on one question: every model's forecast side by side, and the combined headline.

**Stacking.** The headline is a linear pool of the components' forecasts, ``F = sum_i w_i F_i`` with weights on the
simplex chosen to minimise the mean CRPS of the pool over the backtest's cutoffs (Yao, Vehtari, Simpson & Gelman
2018, "Using stacking to average Bayesian predictive distributions", with CRPS as the score). The pool's CRPS is a
quadratic in w (:func:`forecast.scores.mixture_crps_terms`) and convex on the simplex, so
``scipy.optimize.minimize`` finds the optimum. A component that does not improve the pool gets weight 0 and is shown
beside it all the same. The pool is drawn run by run: run s takes component i's run s with probability ``w_i``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from .models import MODELS
from .params import Params
from .predict import forecast, forecast_published
from .snapshots import Snapshots


def stack_weights(terms: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Simplex weights minimising the mean over cases of ``w @ a - w @ B @ w / 2`` (``terms`` = (a, B) per case)."""
    a = np.mean([t[0] for t in terms], axis=0)
    B = np.mean([t[1] for t in terms], axis=0)
    k = len(a)
    if k == 1:
        return np.ones(1)

    def loss(w):
        return float(w @ a - w @ B @ w / 2), a - B @ w

    start = np.full(k, 1.0 / k)
    result = minimize(loss, start, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * k,
                      constraints=({"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones(k)},),
                      options={"ftol": 1e-12, "maxiter": 200})
    w = np.clip(result.x, 0.0, None)
    w[w < 1e-4] = 0.0
    return w / w.sum()


def pool(draws: Sequence[np.ndarray], weights: np.ndarray, seed: int) -> np.ndarray:
    """The linear pool's runs: run s is component i's run s with probability ``weights[i]`` (same run count)."""
    rng = np.random.default_rng([seed, 4])
    pick = rng.choice(len(draws), size=len(draws[0]), p=weights)
    stacked = np.stack(draws)
    return stacked[pick, np.arange(len(draws[0]))]


@dataclass(frozen=True)
class Combination:
    """The combined headline: ``totals`` (the pool's runs) and one row per component with its weight."""

    totals: np.ndarray
    components: pd.DataFrame  # model, weight, mean, p10, p90, backtest_crps, why


def compare_models(params: Params, snaps: Snapshots, models: tuple[str, ...] = tuple(MODELS)) -> pd.DataFrame:
    """Every task-level model and the published-figures forecast on the same question: one row each, with
    ``model, open_tasks, mean, p10, p50, p90``."""
    results = [forecast(params, snaps, name) for name in models]
    results.append(forecast_published(params))
    return pd.DataFrame([{"model": r.model, "open_tasks": len(r.tasks), **r.summary()} for r in results])
