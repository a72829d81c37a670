"""The combined headline: several models on one question, pooled with weights earned in the backtest.

**Components** (:data:`COMPONENTS`): the task-level hazard model, the reference class, the boosting challenger and
the published-figures model asked the same question (:func:`forecast.engine.published.question_forecast`). The
throughput model is left out of the pool: it ignores each task's deadline, so it cannot see the wall of 31 December
deadlines that the question is about (it stays in the backtest and in :func:`compare_models`).

**Stacking** is :mod:`forecast.evaluation.stacking`: the weights are earned in the backtest.

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
from typing import Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.cache import as_of_key, open_cache
from forecast.data.published import load_published
from forecast.data.question import Question, ask, default_deadline
from forecast.data.snapshots import Snapshots, load_snapshots
from forecast.engine.predict import forecast as one_model
from forecast.engine.predict import forecast_published
from forecast.engine.published import question_forecast
from forecast.engine.simulate import SlipForecast, simulate
from forecast.errors import ForecastError
from forecast.evaluation.backtest import Backtest
from forecast.evaluation.stacking import (
    BAGS,
    COMPONENTS,
    earned_weights,
    pool_picks,
    stacking_backtest,
    why_weight,
)
from forecast.models import MODELS, make_model


def combined_forecast(params: Params, snaps: Snapshots | None = None, backtest: Backtest | None = None) -> SlipForecast:
    """The combined headline (:func:`combined_parts`' forecast)."""
    return combined_parts(params, snaps, backtest)[0]


def combined_parts(
    params: Params, snaps: Snapshots | None = None, backtest: Backtest | None = None, question: Question | None = None
) -> tuple[SlipForecast, Any, Any, float]:
    """The combined headline (model ``combined``): each component of :data:`COMPONENTS` on the question, pooled with
    stacking weights (module docstring). ``meta`` carries ``components`` (model, weight, mean, P10/P50/P90, backtest
    CRPS, cutoffs, why), ``stacking`` (rule, cutoffs, horizon) and ``year_end`` (the pool with and without the
    year-end regime, and the difference). Returned with the hazard model's two Decembers (its autumn, as pooled, and
    its year end; None where it cannot answer or has no regime) and the weight of the year end: what the levers move
    (:mod:`forecast.scenarios.pooled`). ``backtest`` (a :func:`stacking_backtest`) saves recomputing it. A component
    that cannot answer the question (too little history for it) is left out and listed with the reason. ``question``
    (the params' question on ``snaps``) saves asking it again."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    question = question if question is not None else ask(snaps, params.as_of, params.deadline)
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
    table["why"] = [why_weight(row, best) for _, row in table.iterrows()]
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
    deadline = default_deadline(params.deadline, max(pd.Timestamp(d) for d in dates)).date()
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
