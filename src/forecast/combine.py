"""The combined headline: several models on one question, pooled with weights earned in the backtest.

**Components** (:data:`COMPONENTS`): the task-level hazard model, the reference class, the boosting challenger and
the published-figures model asked the same question (:func:`forecast.engine.published.question_forecast`). The
throughput model is left out of the pool: it ignores each task's deadline, so it cannot see the wall of 31 December
deadlines that the question is about (it stays in the backtest and in :func:`compare_models`).

**Stacking.** The headline is a linear pool ``F = sum_i w_i F_i`` with weights on the simplex chosen to minimise the
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

**The pool, run by run.** Run s is component i's run s with probability ``w_i`` (every component has the same runs
and seed). The published figures break nothing down by agency and do not separate exits from completions, so in a
run drawn from them the agency counts and the tasks moved out of the window come from a task-level run (drawn with
the task-level weights renormalised), the moved count capped at the tasks that did not slip. Each task's ``p_slip``
is the weighted mean of the components' (the published model's is its task state's).

**Two Decembers.** The pool is the forecast *if December runs like the autumn*: its weights are earned on ordinary
weeks, and its hazard component is the hazard model with December as its ordinary weeks. The hazard model's
year-end regime (:mod:`forecast.models.year_end`) gives the forecast *if December runs like past year-end reviews*
(the only component that can carry one). The headline is the two mixed run by run: run s is the year-end
forecast's run s with the regime's posterior weight ``w`` (the reference class's share of year ends with a push,
updated by the December snapshots so far), else the pool's run s; each task's ``p_slip`` is the weighted mean of
the two. ``meta["year_end"]`` carries both conditional forecasts with their splits, the weight and where it comes
from.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.cache import as_of_key, open_cache
from forecast.data.published import load_published
from forecast.data.question import Question, ask, year_end
from forecast.data.snapshots import Snapshots, load_snapshots
from forecast.engine.predict import forecast as one_model
from forecast.engine.predict import forecast_published
from forecast.engine.published import question_forecast
from forecast.engine.simulate import SlipForecast, simulate
from forecast.errors import ForecastError
from forecast.evaluation import scores
from forecast.evaluation.backtest import LEVELS, Backtest, run_backtest
from forecast.models import MODELS, make_model

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


def _why(row: pd.Series, best: str) -> str:
    if row["cutoffs"] == 0:
        return "equal weight: too little history for a backtest"
    if row["weight"] == 0:
        return "no weight: adding it does not lower the pool's backtest CRPS"
    return (
        "lowest backtest CRPS of the components"
        if row["model"] == best
        else "earns weight: it corrects the other components' errors in the backtest"
    )


def combined_forecast(params: Params, snaps: Snapshots | None = None, backtest: Backtest | None = None) -> SlipForecast:
    """The combined headline (:func:`combined_parts`' forecast)."""
    return combined_parts(params, snaps, backtest)[0]


def combined_parts(
    params: Params, snaps: Snapshots | None = None, backtest: Backtest | None = None
) -> tuple[SlipForecast, Any, Any, float]:
    """The combined headline (model ``combined``): each component of :data:`COMPONENTS` on the question, pooled with
    stacking weights (module docstring). ``meta`` carries ``components`` (model, weight, mean, P10/P50/P90, backtest
    CRPS, cutoffs, why), ``stacking`` (rule, cutoffs, horizon) and ``year_end`` (the pool with and without the
    year-end regime, and the difference). Returned with the hazard model's two Decembers (its autumn, as pooled, and
    its year end; None where it cannot answer or has no regime) and the weight of the year end: what the levers move
    (:mod:`forecast.scenarios.pooled`). ``backtest`` (a :func:`stacking_backtest`) saves recomputing it. A component
    that cannot answer the question (too little history for it) is left out and listed with the reason."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    question = ask(snaps, params.as_of, params.deadline)
    fits, parts, left_out = {}, {}, {}
    try:
        figures = load_published(params.published)
    except (ForecastError, OSError) as exc:  # named, not silently dropped: the output lists it with the reason
        figures, left_out["published"] = None, str(exc)
    cache = open_cache(params)

    def components() -> None:
        for m in (c for c in COMPONENTS if c in MODELS and c not in fits and c not in left_out):
            try:
                fitted = cache.fitted(make_model(m, **params.model_settings()), snaps, question.as_of)
                autumn = fitted.without_year_end() if hasattr(fitted, "without_year_end") else fitted
                parts[m] = simulate(autumn, question, params.sims, params.seed)
                fits[m] = fitted
            except ForecastError as exc:
                left_out[m] = str(exc)

    given = backtest is not None
    if not given:  # every component's backtest: its cutoffs run on the workers while this process fits the components
        every = [c for c in COMPONENTS if c in MODELS or figures is not None]
        backtest = stacking_backtest(params, snaps, question.as_of, figures, every, meanwhile=components)
    components()  # with a backtest given (or one that stopped before its work began): now
    if not parts:
        raise ForecastError(f"no task-level model can answer the question: {'; '.join(left_out.values())}")
    if figures is not None:
        parts["published"] = question_forecast(figures, question, params.sims, params.seed)
    names = list(parts)
    if backtest is None and not given and any(m in MODELS for m in left_out):  # it failed the backtest too: without it
        backtest = stacking_backtest(params, snaps, question.as_of, figures, names)
    weights, table = earned_weights(backtest, names, params.seed)
    picks = pool_picks(weights, params.sims, params.seed)
    pool = _pool(question, [parts[m] for m in names], weights, picks, params.seed)
    hazard = fits.get("hazard")
    regime = getattr(hazard, "regime_", None) if hazard is not None and hazard.year_end else None
    year_end_model = hazard.with_year_end_mode("year_end") if hazard is not None and regime is not None else None
    year_end = simulate(year_end_model, question, params.sims, params.seed) if year_end_model is not None else None
    weight = regime.weight if regime else 0.0
    result = blend(pool, year_end, weight, params.seed)
    table = table.assign(
        weight=weights.round(4), **{k: [parts[m].summary()[k] for m in names] for k in ("mean", "p10", "p50", "p90")}
    )
    best = table.sort_values("backtest_crps")["model"].iloc[0]
    table["why"] = [_why(row, best) for _, row in table.iterrows()]
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                {
                    "model": list(left_out),
                    "weight": 0.0,
                    "cutoffs": 0,
                    "why": [f"left out: {e}" for e in left_out.values()],
                }
            ),
        ],
        ignore_index=True,
    )
    autumn_model = hazard.without_year_end() if hazard is not None else None
    return (
        dataclasses.replace(
            result,
            meta={
                "components": _records(
                    table[["model", "weight", "mean", "p10", "p50", "p90", "backtest_crps", "cutoffs", "why"]]
                ),
                "stacking": {
                    "rule": "linear pool; weights minimise the pool's mean CRPS over the backtest cutoffs, averaged "
                    f"over {BAGS} Bayesian-bootstrap reweightings of them (equal weights with no cutoff)",
                    "cutoffs": int(table["cutoffs"].max()),
                    "horizon_days": params.horizon_days,
                },
                "year_end": year_end_meta(pool, year_end, regime),
            },
        ),
        autumn_model,
        year_end_model,
        weight,
    )


def blend(autumn: SlipForecast, year_end: SlipForecast | None, weight: float, seed: int) -> SlipForecast:
    """The two Decembers mixed run by run (module docstring): run s is ``year_end``'s with probability ``weight``,
    else ``autumn``'s; the runs' agency counts and exits come with them, each task's ``p_slip`` is the weighted mean.
    ``autumn`` when there is no year-end forecast."""
    if year_end is None:
        return dataclasses.replace(autumn, model="combined")
    take = december_runs(weight, autumn.sims, seed)
    index = pd.Index(autumn.tasks.index)
    p_slip = (
        weight * year_end.tasks["p_slip"].reindex(index).to_numpy() + (1 - weight) * autumn.tasks["p_slip"].to_numpy()
    )
    agencies = autumn.agency_draws.copy()
    order = [year_end.agencies.index(a) for a in autumn.agencies]
    agencies[:, take] = year_end.agency_draws[order][:, take]
    moved = None
    if autumn.moved is not None or year_end.moved is not None:
        zeros = np.zeros(autumn.sims, dtype=np.int64)
        moved = np.where(take, _or(year_end.moved, zeros), _or(autumn.moved, zeros))
    return dataclasses.replace(
        autumn,
        model="combined",
        tasks=autumn.tasks.assign(p_slip=p_slip),
        totals=np.where(take, year_end.totals, autumn.totals),
        agency_draws=agencies,
        moved=moved,
    )


def december_runs(weight: float, sims: int, seed: int) -> np.ndarray:
    """Per run: True when the run's December is a year-end push (chance ``weight``; its own stream of ``seed``)."""
    return np.random.default_rng([seed, 8]).random(sims) < weight


def _or(value: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if value is None else value


def year_end_meta(autumn: SlipForecast, year_end: SlipForecast | None, regime) -> dict:
    """The headline's two Decembers for ``meta["year_end"]``: each conditional forecast with its split (means and
    80 % intervals), the weight of the year-end one with its prior and what moved it, and the regime's posterior."""
    if year_end is None or regime is None:
        return {
            "applied": False,
            "note": "no year-end regime: params year_end is off, or the hazard model is not in the pool",
            "autumn": _conditional(autumn),
        }
    rows = regime.rows
    source = (
        f"the reference class of past year ends (data/reference): {100 * regime.prior_weight:.0f} % of them had a "
        "year-end push"
        + (
            f"; the {rows} task-intervals of the December snapshots so far move it to {100 * regime.weight:.0f} %"
            if rows
            else ""
        )
    )
    return {
        "applied": True,
        "weight": round(regime.weight, 4),
        "prior_weight": round(regime.prior_weight, 4),
        "weight_source": source,
        "autumn": _conditional(autumn),
        "year_end": _conditional(year_end),
        "regime": regime.summary(),
    }


def _conditional(result: SlipForecast) -> dict:
    split = result.split()
    out: dict[str, Any] = dict(_summary(result.totals))
    out["split"] = {part: {"mean": round(v["mean"], 2), "p10": v["p10"], "p90": v["p90"]} for part, v in split.items()}
    return out


def _pool(
    question: Question, parts: list[SlipForecast], weights: np.ndarray, picks: np.ndarray, seed: int
) -> SlipForecast:
    runs = np.arange(len(picks))
    task_level = np.array([p.model != "published" for p in parts])
    detail = picks.copy()
    if not task_level[picks].all():  # published runs take their agency counts and exits from a task-level run
        w = np.where(task_level, weights, 0.0)
        w = w / w.sum() if w.sum() > 0 else task_level / task_level.sum()
        other = np.random.default_rng([seed, 5]).choice(len(parts), size=len(picks), p=w)
        detail = np.where(task_level[picks], picks, other)
    totals = np.stack([p.totals for p in parts])[picks, runs]
    lead = parts[int(np.argmax(task_level))]
    agency_draws = np.zeros_like(lead.agency_draws)
    moved = np.zeros(len(picks), dtype=np.int64)
    for i, part in enumerate(parts):
        mine = detail == i
        if task_level[i] and mine.any():
            agency_draws[:, mine] = part.agency_draws[:, mine]
            if part.moved is not None:
                moved[mine] = part.moved[mine]
    caps = question.tasks.groupby(question.tasks["agency"].astype(str)).size().reindex(lead.agencies).to_numpy()
    for s in np.flatnonzero(detail != picks):  # a published run: its total shared out as the task-level run's
        agency_draws[:, s] = share_out(int(totals[s]), agency_draws[:, s], caps)
    moved = np.minimum(moved, len(question.tasks) - totals)
    p_slip = sum(
        w * p.tasks["p_slip"].reindex(question.tasks.index).to_numpy() for w, p in zip(weights, parts, strict=True)
    )
    return SlipForecast(
        model="combined",
        as_of=question.as_of,
        deadline=question.deadline,
        seed=lead.seed,
        tasks=question.tasks.assign(p_slip=p_slip),
        totals=totals,
        agencies=lead.agencies,
        agency_draws=agency_draws,
        provenance=question.provenance,
        moved=moved,
    )


def share_out(total: int, counts: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """``total`` slips shared among agencies in proportion to ``counts`` (a task-level run's slips per agency; the
    agencies' open tasks ``caps`` when that run has none), whole numbers by the largest remainders, none above its
    cap: the agency counts of a run whose total comes from the published figures, which name no agency."""
    room = caps.astype(float)
    out = np.zeros(len(counts), dtype=np.int64)
    target = min(total, int(caps.sum()))
    left = target
    while left > 0:
        basis = np.where(out < caps, counts if counts[out < caps].sum() > 0 else room, 0).astype(float)
        ideal = basis / basis.sum() * left
        add = np.minimum(np.floor(ideal).astype(np.int64), caps - out)
        rest = left - int(add.sum())
        order = np.argsort(-(ideal - np.floor(ideal)), kind="stable")
        for j in order[((out + add) < caps)[order] & (basis[order] > 0)][:rest]:
            add[j] += 1
        out += add
        left = target - int(out.sum()) if add.sum() else 0
    return out


def _summary(draws: np.ndarray) -> dict[str, float]:
    q = np.quantile(draws, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {"mean": round(float(draws.mean()), 2), "p10": int(q[0]), "p50": int(q[1]), "p90": int(q[2])}


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {
            k: (None if isinstance(v, float) and np.isnan(v) else round(v, 4) if isinstance(v, float) else v)
            for k, v in row.items()
        }
        for row in frame.to_dict("records")
    ]


def forecast(params: Params, snaps: Snapshots | None = None, model: str | None = None) -> SlipForecast:
    """The forecast of ``model`` (default ``params.model``): the combined headline for ``"combined"``, else the one
    task-level model's (:func:`forecast.engine.predict.forecast`). The package's ``forecast``."""
    name = model or params.model
    return combined_forecast(params, snaps) if name == "combined" else one_model(params, snaps, name)


def by_as_of(params: Params, snaps: Snapshots, dates, model: str | None = None, *, cached: bool = True) -> pd.DataFrame:
    """The forecast of ``model`` (default ``params.model``) as of each of ``dates``, for the params' deadline (else
    31 Dec of the last date's year): one row per date with ``as_of, open_tasks, mean, p10, p50, p90``. How the answer
    moved as the snapshots came in: each row sees only the snapshots up to its date. Each row comes from the params'
    cache (:func:`forecast.data.cache.as_of_key`) unless ``cached`` is false."""
    deadline = params.deadline or year_end(max(pd.Timestamp(d) for d in dates)).date()
    params = dataclasses.replace(params, deadline=deadline)
    name = model or params.model
    cache = open_cache(params)
    rows = [
        cache.get(
            "as-of", as_of_key(params, snaps, when, name), functools.partial(_as_of_row, params, snaps, when, name)
        )
        if cached
        else _as_of_row(params, snaps, when, name)
        for when in dates
    ]
    return pd.concat(rows, ignore_index=True)


def _as_of_row(params: Params, snaps: Snapshots, when, model: str) -> pd.DataFrame:
    result = forecast(dataclasses.replace(params, as_of=pd.Timestamp(when).date()), snaps.until(when), model)
    row = {"as_of": result.as_of, "open_tasks": len(result.tasks), **result.summary()}
    return pd.DataFrame([row], columns=["as_of", "open_tasks", "mean", "p10", "p50", "p90"])


def compare_models(params: Params, snaps: Snapshots, models: tuple[str, ...] = tuple(MODELS)) -> pd.DataFrame:
    """Every task-level model and the published-figures forecast on the same question: one row each, with
    ``model, open_tasks, mean, p10, p50, p90, note``; a model that cannot answer (too little history for it) keeps
    its row, with empty figures and the reason in ``note``."""
    rows = []
    for name in (*models, "published"):
        try:
            r = forecast_published(params) if name == "published" else one_model(params, snaps, name)
            rows.append({"model": r.model, "open_tasks": len(r.tasks), **r.summary(), "note": ""})
        except (ForecastError, OSError) as exc:
            rows.append({"model": name, "note": f"cannot answer: {exc}"})
    return pd.DataFrame(rows)
