"""Stacking: the weights of the combined headline's components, earned in the backtest (:mod:`forecast.combine`).

The headline is a linear pool ``F = sum_i w_i F_i`` with weights on the simplex chosen to minimise the
mean CRPS of the pool over the backtest cutoffs whose outcome the as-of date has seen (Yao, Vehtari, Simpson & Gelman
2018, "Using stacking to average Bayesian predictive distributions", with CRPS as the score). It is the backtest
notebook 05 shows (:func:`stacking_backtest`): every weekly cutoff, at the params' ``horizon_days``, so next week's run
finds every cutoff but the new one in the cache, and the weights a page shows are the weights the headline used. The
windows keep that horizon as the deadline nears: the weights say which model did best over ``horizon_days``, not over
the days left. The pool's CRPS is a quadratic in w (:func:`forecast.evaluation.scores.mixture_crps_terms`) and convex on
the simplex, so its minimum is found exactly, face by face (:func:`simplex_minimum`). Overlapping weekly windows are few
independent cases (on the bundled sample the plain optimum over the last 12 cutoffs gives boosting 0.98 and the hazard
model 0), so the weights are *bagged* (:func:`bagged_weights`): the optimum averaged over Bayesian-bootstrap
reweightings of the cutoffs. A component that does not improve the pool gets weight 0 and is shown beside it all the
same. With no eligible cutoff (too little history) the weights are equal, and the forecast says so. The backtest windows
lie before the as-of date: they score how each model did in ordinary weeks, not in a year-end the history has not seen.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.core.languages import N_
from forecast.data.cache import open_cache
from forecast.data.snapshots import Snapshots
from forecast.errors import ForecastError
from forecast.evaluation import scores
from forecast.evaluation.backtest import LEVELS, Backtest, run_backtest
from forecast.models import MODELS

COMPONENTS = ("hazard", "reference", "boosting", "published")
BAGS = 200  # Bayesian-bootstrap reweightings of the cutoffs behind the weights


def stack_weights(terms: Sequence[tuple[np.ndarray, np.ndarray]], case_weights: np.ndarray | None = None) -> np.ndarray:
    """Simplex weights minimising the (``case_weights``-weighted) mean over cases of ``w @ a - w @ B @ w / 2``
    (``terms`` = (a, B) per case: :func:`forecast.evaluation.scores.mixture_crps_terms`)."""
    d = np.full(len(terms), 1 / len(terms)) if case_weights is None else np.asarray(case_weights, float)
    return _stacked(terms, d[None, :])[0]


def bagged_weights(terms: Sequence[tuple[np.ndarray, np.ndarray]], seed: int, draws: int = BAGS) -> np.ndarray:
    """Stacking weights averaged over Bayesian-bootstrap reweightings of the cutoffs: ``w = mean_b argmin_w sum_c
    d_bc CRPS_c(w)``, ``d_b ~ Dirichlet(1, ..., 1)``. A dozen overlapping weekly windows are few cases; the plain
    optimum puts all weight on whichever component was a little better on them, the bagged one keeps a component in
    proportion to how often it would win (the regularisation of Yao et al. 2018's pseudo-BMA+, applied to
    stacking)."""
    if len(terms) == 1:
        return stack_weights(terms)
    rng = np.random.default_rng([seed, 6])
    w = _stacked(terms, rng.dirichlet(np.ones(len(terms)), size=draws)).mean(axis=0)
    w[w < 1e-3] = 0.0
    return w / w.sum()


def _stacked(terms: Sequence[tuple[np.ndarray, np.ndarray]], case_weights: np.ndarray) -> np.ndarray:
    """:func:`stack_weights` for each row of ``case_weights`` (reweightings x cases) at once; weights under 1e-4
    are dropped and the rest renormalised."""
    a = case_weights @ np.array([t[0] for t in terms])
    B = np.tensordot(case_weights, np.array([t[1] for t in terms]), axes=1)
    w = simplex_minimum(a, B)
    w[w < 1e-4] = 0.0
    return w / w.sum(axis=1, keepdims=True)


def simplex_minimum(a: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Exact minimiser of ``f(w) = w @ a - w @ B @ w / 2`` over the simplex (``w >= 0``, ``sum(w) = 1``), for each
    of D problems at once: ``a`` (D x k), ``B`` (D x k x k, symmetric). Returns D x k.

    The pool's CRPS is convex on the simplex, so a point satisfying the KKT conditions on some face is the minimum.
    Every face (support S, 2^k - 1 of them; k is the handful of components) is tried: on S the stationary point of
    the Lagrangian solves ``B_SS w_S + lambda 1 = a_S, sum(w_S) = 1`` (a (|S|+1)-square linear system, singular only
    when two components have the same draws: then its least-squares solution); of the candidates with ``w >= 0``, the
    lowest ``f`` wins. Exact to rounding, and one batched solve per face instead of an iterative solver per problem.
    """
    D, k = a.shape
    best, out = np.full(D, np.inf), np.zeros((D, k))
    for r in range(1, k + 1):
        for support in itertools.combinations(range(k), r):
            S = list(support)
            M = np.zeros((D, r + 1, r + 1))
            M[:, :r, :r] = B[:, S][:, :, S]
            M[:, :r, r] = M[:, r, :r] = 1.0
            rhs = np.concatenate([a[:, S], np.ones((D, 1))], axis=1)
            try:
                x = np.linalg.solve(M, rhs[..., None])[..., 0]
            except np.linalg.LinAlgError:
                x = np.stack([np.linalg.lstsq(m, v, rcond=None)[0] for m, v in zip(M, rhs, strict=True)])
            w = np.zeros((D, k))
            w[:, S] = x[:, :r]
            f = np.einsum("dk,dk->d", w, a) - np.einsum("dk,dkl,dl->d", w, B, w) / 2
            better = (w >= -1e-12).all(axis=1) & (f < best - 1e-15)
            best[better], out[better] = f[better], w[better]
    return np.clip(out, 0.0, None)


def pool_picks(weights: np.ndarray, sims: int, seed: int) -> np.ndarray:
    """Which component each run of the pool takes: run s takes component i with probability ``weights[i]``."""
    return np.random.default_rng([seed, 4]).choice(len(weights), size=sims, p=weights)


def stacking_backtest(
    params: Params,
    snaps: Snapshots,
    as_of: pd.Timestamp,
    figures: pd.DataFrame | None,
    names: Sequence[str] = COMPONENTS,
    meanwhile: Callable[[], object] | None = None,
) -> Backtest | None:
    """The backtest the weights of ``names`` come from, and the one notebook 05 shows: the snapshots up to ``as_of``,
    every cutoff whose outcome they hold, at ``params.horizon_days``, with :func:`run_backtest`'s runs and the params'
    seed, settings and cache (one key per cutoff and model: a report's backtest page finds them there). None when the
    history has no such cutoff or a component cannot answer one (then the weights are equal). ``meanwhile``: the
    caller's work for this process while the cutoffs run (:func:`run_backtest`)."""
    try:
        return run_backtest(
            snaps.until(as_of),
            params.horizon_days,
            models=[m for m in names if m in MODELS],
            seed=params.seed,
            settings=params.model_settings(),
            figures=figures if "published" in names else None,
            cache=open_cache(params),
            meanwhile=meanwhile,
        )
    except ForecastError:
        return None


def earned_weights(
    backtest: Backtest | None, names: Sequence[str], seed: int, last: int | None = None
) -> tuple[np.ndarray, pd.DataFrame]:
    """Bagged stacking weights of ``names`` from ``backtest``'s cutoffs (its ``last`` ones only, when given; equal
    weights without a backtest), and per component its mean CRPS and the cutoffs it was scored on."""
    if backtest is None:
        return np.full(len(names), 1 / len(names)), pd.DataFrame(
            {"model": list(names), "backtest_crps": np.nan, "cutoffs": 0}
        )
    frame = backtest.frame.loc[backtest.frame["model"].isin(names)]
    if last:
        frame = frame.loc[frame["cutoff"].isin(sorted(frame["cutoff"].unique())[-last:])]
    observed = frame.groupby("cutoff")["observed"].first()
    terms = [
        scores.mixture_crps_terms([backtest.draws[c, n] for n in names], float(observed[c])) for c in observed.index
    ]
    crps = frame.groupby("model")["crps"].mean().reindex(list(names))
    return bagged_weights(terms, seed), pd.DataFrame(
        {"model": list(names), "backtest_crps": crps.to_numpy(), "cutoffs": len(observed)}
    )


def pool_backtest(backtest: Backtest, seed: int, names: Sequence[str] = COMPONENTS) -> Backtest:
    """``backtest`` with the combined pool scored at every cutoff as model ``combined``: its weights earned, as the
    headline's are, on the cutoffs whose outcome date is on or before it (no look-ahead: what an analyst could
    have run that day; equal weights at the first cutoffs, with none to learn from), its runs picked from the
    components' runs at the cutoff (:func:`pool_picks`), each task's P(slip) the weighted mean of theirs. The
    autumn pool: the backtest's windows are ordinary weeks. ``backtest`` itself unless every one of ``names`` was
    scored (a backtest of some models only is not the headline's)."""
    if not all((backtest.frame["model"] == n).any() for n in names) or len(names) < 2:
        return backtest
    names = list(names)
    frame = backtest.frame.loc[backtest.frame["model"].isin(names)]
    per_cutoff = frame.groupby("cutoff").first()
    cuts = [c for c in sorted(per_cutoff.index) if all((c, n) in backtest.draws for n in names)]
    tasks = backtest.tasks.loc[backtest.tasks["model"].isin(names)]
    rows, task_rows, draws = [], [], dict(backtest.draws)
    for c in cuts:
        known = [k for k in cuts if per_cutoff.loc[k, "outcome_date"] <= c]
        terms = [
            scores.mixture_crps_terms([backtest.draws[k, n] for n in names], float(per_cutoff.loc[k, "observed"]))
            for k in known
        ]
        weights = bagged_weights(terms, seed) if terms else np.full(len(names), 1 / len(names))
        runs = np.stack([backtest.draws[c, n] for n in names])
        pooled = runs[pool_picks(weights, runs.shape[1], seed), np.arange(runs.shape[1])]
        observed = int(per_cutoff.loc[c, "observed"])
        lo, hi = scores.pit_bounds(pooled, observed)
        q = np.quantile(pooled, [0.1, 0.5, 0.9], method="inverted_cdf")
        rows.append(
            {
                **per_cutoff.loc[c, ["outcome_date", "open", "observed"]].to_dict(),
                "cutoff": c,
                "model": "combined",
                "slip_mean": float(pooled.mean()),
                "p10": int(q[0]),
                "p50": int(q[1]),
                "p90": int(q[2]),
                "abs_error": abs(pooled.mean() - observed),
                "crps": scores.crps(pooled, observed),
                **{f"covered{int(level * 100)}": scores.interval_covers(pooled, observed, level) for level in LEVELS},
                "pit_lower": lo,
                "pit_upper": hi,
            }
        )
        mine = tasks.loc[tasks["cutoff"] == c].pivot_table(index="task_id", columns="model", values="p_slip")
        slipped = tasks.loc[tasks["cutoff"] == c].groupby("task_id")["slipped"].first()
        task_rows.append(
            pd.DataFrame(
                {
                    "cutoff": c,
                    "model": "combined",
                    "task_id": mine.index,
                    "p_slip": mine[names].to_numpy() @ weights,
                    "slipped": slipped.reindex(mine.index).to_numpy(),
                }
            )
        )
        draws[c, "combined"] = pooled
    combined = pd.DataFrame(rows)[list(backtest.frame.columns)]
    return Backtest(
        backtest.horizon_days,
        pd.concat([backtest.frame, combined], ignore_index=True),
        pd.concat([backtest.tasks, *task_rows], ignore_index=True),
        draws,
    )


def why_weight(row: pd.Series, best: str) -> str:
    if row["cutoffs"] == 0:
        return N_("equal weight: too little history for a backtest")
    if row["weight"] == 0:
        return N_("no weight: adding it does not lower the pool's backtest CRPS")
    return (
        N_("lowest backtest CRPS of the components")
        if row["model"] == best
        else N_("earns weight: it corrects the other components' errors in the backtest")
    )
