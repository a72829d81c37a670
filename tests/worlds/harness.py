"""Score any forecaster on the test worlds: ``evaluate`` gives one row per (family, seed, as-of date), ``summarise``
the per-family figures issue #11 asks for, ``december_convergence`` the december family's rows by as-of date.

A *forecaster* is any callable ``(snaps, as_of, deadline, sims, seed) -> draws``: ``snaps`` holds only the exports
taken on or before ``as_of`` (so it cannot see the outcome), ``draws`` is a 1-D array of simulated slip counts.
The forecaster's ``seed`` is the world's seed, so a run is reproducible. Per row:

* ``open``, ``truth`` (slipped), ``completed``, ``moved``: the world's outcome (:meth:`World.outcome`);
* ``mean``, ``p10``, ``p90``: of the draws (quantiles by the inverted CDF, so they are counts, as the kit's);
* ``covered``: ``p10 <= truth <= p90``; ``error`` = mean - truth (slips); ``rel_error`` = error / truth (NaN when
  nothing slipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.snapshots import Snapshots
from forecast.engine.predict import forecast

from .families import FAMILIES
from .world import YEAR_END, World

Forecaster = Callable[[Snapshots, pd.Timestamp, pd.Timestamp, int, int], np.ndarray]
DECEMBER_AS_OF = (pd.Timestamp("2025-12-04"), pd.Timestamp("2025-12-11"), pd.Timestamp("2025-12-18"))
ROW_COLUMNS = (
    "family",
    "seed",
    "as_of",
    "open",
    "truth",
    "completed",
    "moved",
    "mean",
    "p10",
    "p90",
    "covered",
    "error",
    "rel_error",
)


def hazard_forecaster(
    snaps: Snapshots, as_of: pd.Timestamp, deadline: pd.Timestamp, sims: int, seed: int
) -> np.ndarray:
    """The hazard model's forecast (with its year-end regime) through the kit's public path:
    ``forecast.engine.predict.forecast(Params(...), snaps, "hazard")``."""
    params = Params(as_of=as_of.date(), deadline=deadline.date(), sims=sims, seed=seed)
    return forecast(params, snaps, "hazard").totals


def evaluate(
    forecaster: Forecaster,
    family: str | Callable[..., World],
    seeds: Iterable[int],
    as_of_dates: Iterable[object],
    *,
    deadline: object = YEAR_END,
    sims: int = 2000,
    settings: dict | None = None,
) -> pd.DataFrame:
    """Generate each seed's world of ``family`` (a name in :data:`FAMILIES` or a generator) with ``settings``, ask
    ``forecaster`` the question at each as-of date, and score its draws against the world's outcome."""
    generate = FAMILIES[family] if isinstance(family, str) else family
    due, rows = pd.Timestamp(deadline), []
    for seed in seeds:
        world = generate(seed, **(settings or {}))
        for as_of in as_of_dates:
            outcome = world.outcome(as_of, due)
            draws = forecaster(world.snapshots(outcome.as_of), outcome.as_of, due, sims, seed)
            rows.append(
                {
                    "family": world.family,
                    "seed": seed,
                    "as_of": outcome.as_of,
                    "open": outcome.open,
                    "truth": outcome.slipped,
                    "completed": outcome.completed,
                    "moved": outcome.moved,
                    **score(draws, outcome.slipped),
                }
            )
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))


def score(draws: np.ndarray, truth: int) -> dict[str, float]:
    """``mean, p10, p90, covered, error, rel_error`` of one forecast's draws against the true slip count."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim != 1 or draws.size == 0 or not np.isfinite(draws).all():
        raise ValueError(f"a forecaster must return a non-empty 1-D array of finite slip counts, not {draws.shape}")
    mean = float(draws.mean())
    p10, p90 = (float(q) for q in np.quantile(draws, [0.1, 0.9], method="inverted_cdf"))
    error = mean - truth
    return {
        "mean": mean,
        "p10": p10,
        "p90": p90,
        "covered": bool(p10 <= truth <= p90),
        "error": error,
        "rel_error": error / truth if truth else float("nan"),
    }


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per family and as-of date: ``worlds``; means of ``open, truth, completed, moved, mean, p10, p90``;
    ``bias`` (mean error, slips), ``bias_pct`` (bias as % of the mean truth), ``mae`` (mean absolute error),
    ``mare`` (mean absolute relative error), ``over`` (share of worlds over-predicted) and ``coverage`` (share of
    worlds whose P10-P90 covered the truth)."""

    def one(g: pd.DataFrame) -> pd.Series:
        means = g[["open", "truth", "completed", "moved", "mean", "p10", "p90"]].mean()
        bias = g["error"].mean()
        return pd.Series(
            {
                "worlds": len(g),
                **means,
                "bias": bias,
                "bias_pct": 100 * bias / means["truth"],
                "mae": g["error"].abs().mean(),
                "mare": g["rel_error"].abs().mean(),
                "over": (g["error"] > 0).mean(),
                "coverage": g["covered"].mean(),
            }
        )

    groups = rows.groupby(["family", "as_of"], sort=False)[[c for c in rows.columns if c not in ("family", "as_of")]]
    return groups.apply(one).reset_index().astype({"worlds": int})


def december_convergence(rows: pd.DataFrame) -> pd.DataFrame:
    """The december family's summary at the as-of dates of :data:`DECEMBER_AS_OF` present in ``rows``."""
    table = summarise(rows.loc[rows["family"] == "december"])
    return table.loc[table["as_of"].isin(DECEMBER_AS_OF)].sort_values("as_of", ignore_index=True)
