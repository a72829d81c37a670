"""The combined forecast as a model the levers can move: one forecast object for the headline, the agencies, the
scenarios, goal-seek and twice the pace.

The combined headline (:mod:`forecast.combine`) is a pool run by run: run s is one component's run s (the hazard,
reference or boosting model, or the published figures' total), and with the year-end regime, run s is the hazard
model's year-end run s instead when the run's December is a push (``take[s]``). Only the hazard model has rates a
lever can move, so a lever acts on the pool through it, run by run (common random numbers):

    slips'[s] = slips[s] + (H'[s] - H[s])

where ``H`` is the hazard model's run s in the run's December (its year-end run when ``take[s]``, else its autumn
run) on the baseline's rows and ``H'`` the same run with the levers. In the runs that are the hazard model's own,
that is its exact scenario; in the others the lever moves the run by what it moves the hazard model's. The same
holds per agency (each clipped to between 0 and its open tasks; the total is the agencies' sum) and for the tasks
moved out of the window; a task's P(slip) moves by the hazard model's change, weighted by the chance of each
December. The difference of a scenario from the baseline is then a paired difference against the same combined
baseline, and the baseline itself comes out unchanged (its rows and rates are the baseline's).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.question import Question, ask
from forecast.data.snapshots import Snapshots
from forecast.engine.simulate import Luck, SlipForecast, SlipModel, simulate
from forecast.errors import ForecastError
from forecast.scenarios.apply import base_frame


@dataclass
class CombinedModel:
    """The combined forecast of one question (``forecast_``) with what the levers act through: the hazard model's
    autumn and year-end fits (``autumn``, ``year_end``: None without the regime), ``take`` (per run: the run's
    December is a push) and ``weight`` (the chance of a push)."""

    forecast_: SlipForecast
    question: Question
    autumn: Any
    year_end: Any | None
    take: np.ndarray
    weight: float
    sims: int
    seed: int
    name: str = "combined"
    _base: dict[tuple, SlipForecast] = field(default_factory=dict, repr=False)
    luck: Luck | None = field(default=None, repr=False)  # the runs' uniforms kept (the explorer)

    @property
    def step_days_(self) -> int:
        return int(self.autumn.step_days_)

    def agency_table(self) -> pd.DataFrame:
        """The hazard model's pooled agency rates (what the levers' rates multiply)."""
        return self.autumn.agency_table()

    def _hazard(self, which: str, question: Question, rate=None, active=None) -> SlipForecast:
        model = self.autumn if which == "autumn" else self.year_end
        assert model is not None
        return simulate(model, question, self.sims, self.seed, rate=rate, active=active, luck=self.luck)

    def _branches(self) -> list[str]:
        return ["autumn"] + (["year_end"] if self.year_end is not None else [])

    def _plain(self, which: str, question: Question) -> SlipForecast:
        """The hazard model's December ``which`` on the question's own rows, without levers (for the fan)."""
        key = (which, "plain", str(question.deadline.date()))
        if key not in self._base:
            self._base[key] = self._hazard(which, question)
        return self._base[key]

    def run_inputs(self, question: Question, tasks: pd.DataFrame, rate: np.ndarray, active: np.ndarray) -> SlipForecast:
        """The combined forecast of a scenario's rows (``tasks``, ``active``, ``rate``: :class:`forecast.scenarios.
        apply.Inputs`): the baseline moved run by run by the hazard model's change against its baseline on the same
        rows (the open set, then any new tasks switched off; every rate 1), as :mod:`.apply` builds it."""
        n = len(self.question.tasks)
        rows = pd.concat([base_frame(self.question.tasks), tasks.iloc[n:]])
        key = (len(tasks), rate.shape[1], int(pd.util.hash_pandas_object(tasks.iloc[n:].astype(str)).sum()))
        plain_active = np.arange(len(tasks)) < n
        plain = bool((rate == 1).all()) and np.array_equal(active, plain_active) and tasks.equals(rows)
        moved = {}
        for b in self._branches():
            if (b, key) not in self._base:
                self._base[(b, key)] = self._hazard(b, question.with_tasks(rows), np.ones_like(rate), plain_active)
            base = self._base[(b, key)]  # the scenario's baseline is that run: not simulated twice
            moved[b] = (base if plain else self._hazard(b, question.with_tasks(tasks), rate, active), base)
        return transfer(self.forecast_, moved, self.take, self.weight)

    def still_open_path(self, question: Question, every_days: int = 7) -> pd.DataFrame:
        """The fan (:func:`forecast.engine.simulate.still_open_path`) of the combined forecast: each run follows its
        hazard run's path (its December's), its completions by each date scaled to the run's own at the deadline."""
        n, end = len(self.forecast_.tasks), self.forecast_.totals
        path_end = self._branch({b: self._plain(b, question).totals for b in self._branches()})
        done_end = np.maximum(n - path_end, 0)
        dates = sorted({*pd.date_range(question.as_of, question.deadline, freq=f"{every_days}D"), question.deadline})
        rows = []
        for when in dates:
            at = self._branch({b: self._plain(b, question.until(when)).totals for b in self._branches()})
            share = np.divide(n - at, done_end, out=np.ones(len(at), dtype=float), where=done_end > 0)
            still = np.rint(n - np.minimum(share, 1.0) * (n - end)).astype(np.int64)
            rows.append({"date": when, "mean": float(still.mean()), **_quantiles(still)})
        return pd.DataFrame(rows)

    def _branch(self, values: dict[str, np.ndarray]) -> np.ndarray:
        return np.where(self.take, values["year_end"], values["autumn"]) if "year_end" in values else values["autumn"]


def _quantiles(draws: np.ndarray) -> dict[str, int]:
    q = np.quantile(draws, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {"p10": int(q[0]), "p50": int(q[1]), "p90": int(q[2])}


def transfer(
    base: SlipForecast, moved: dict[str, tuple[SlipForecast, SlipForecast]], take: np.ndarray, weight: float
) -> SlipForecast:
    """``base`` moved run by run by the hazard model's change in each December: ``moved[branch]`` is (with the
    levers, without), branch ``"autumn"`` and (optional) ``"year_end"``; run s takes the year-end branch's change
    when ``take[s]``. Per agency clipped to between 0 and its open tasks; the total is the agencies' sum."""
    lever = moved["autumn"][0]
    names = sorted(set(base.agencies) | {a for new, old in moved.values() for a in (*new.agencies, *old.agencies)})
    ye = "year_end" in moved

    def per_run(pick) -> np.ndarray:
        autumn = pick(*moved["autumn"])
        return np.where(take, pick(*moved["year_end"]), autumn) if ye else autumn

    change = per_run(lambda new, old: new.agency_matrix(names) - old.agency_matrix(names))
    tasks = lever.tasks  # the scenario's open rows (an inactive row is not among them)
    open_now = tasks.groupby(tasks["agency"].astype(str)).size()
    caps = np.array([int(open_now.get(a, 0)) for a in names])[:, None]
    draws = np.clip(base.agency_matrix(names) + change, 0, caps)
    totals = draws.sum(axis=0)
    moved_runs = None
    if base.moved is not None:
        d_moved = per_run(lambda new, old: _or0(new.moved, new.sims) - _or0(old.moved, old.sims))
        moved_runs = np.clip(base.moved + d_moved, 0, len(tasks) - totals)
    w = {"autumn": 1.0 - weight, "year_end": weight} if ye else {"autumn": 1.0}
    index = tasks.index
    p_base = base.tasks["p_slip"].reindex(index)
    p_new = sum(w[b] * new.tasks["p_slip"].reindex(index).fillna(0.0) for b, (new, _) in moved.items())
    p_old = sum(w[b] * old.tasks["p_slip"].reindex(index).fillna(0.0) for b, (_, old) in moved.items())
    p = np.where(p_base.isna(), p_new, p_base.fillna(0.0) + p_new - p_old)
    keep = caps[:, 0] > 0
    return dataclasses.replace(
        base,
        tasks=tasks.assign(p_slip=np.clip(p, 0.0, 1.0)),
        totals=totals,
        agencies=tuple(np.array(names)[keep]),
        agency_draws=draws[keep],
        moved=moved_runs,
        meta={},
    )


def _or0(values: np.ndarray | None, sims: int) -> np.ndarray:
    return np.zeros(sims, dtype=np.int64) if values is None else values


LeverModel = SlipModel | CombinedModel  # what levers move: a task-level model, or the pool through the hazard model


def fit(params: Params, snaps: Snapshots, model: str | None = None) -> tuple[Question, LeverModel]:
    """The question and ``model`` (default ``params.model``) fitted for the levers: a task-level model as
    :func:`forecast.engine.predict.fit` fits it, or the combined forecast with the hazard model it moves through. The
    package's ``fit``."""
    from forecast.combine import combined_parts, december_runs
    from forecast.engine.predict import fit as fit_one

    if (model or params.model) != "combined":
        return fit_one(params, snaps, model)
    question = ask(snaps, params.as_of, params.deadline)
    result, autumn, year_end, weight = combined_parts(params, snaps, question=question)
    if autumn is None:
        why = next((c["why"] for c in result.meta["components"] if c["model"] == "hazard"), "")
        raise ForecastError(
            "scenarios, goal-seek and twice the pace move the hazard model's rates, and it cannot answer here"
            + (f" ({why.removeprefix('left out: ')})" if why else "")
        )
    take = december_runs(weight, params.sims, params.seed) if year_end is not None else np.zeros(params.sims, bool)
    return question, CombinedModel(result, question, autumn, year_end, take, weight, params.sims, params.seed)
