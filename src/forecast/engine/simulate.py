"""Monte Carlo of the open tasks to the deadline: slips overall, per agency and per task.

Run s draws each task's cumulative completion hazard ``H[i, s]`` from the model (parameters drawn per run) and an
independent ``U[i, s] ~ Uniform(0, 1)``; task i **slips** in run s when ``U < exp(-H)``, the chance it is still open
at the end of the deadline. Float32 throughout: the comparison needs no more, and it halves memory traffic. Runs go
in chunks, so memory stays bounded for large portfolios; per-run totals, per-agency counts and per-task slip
frequencies are accumulated.

A model is anything with a ``name``, ``fit(snapshots, as_of) -> self`` and ``sampler(tasks, as_of, deadline,
rate=None)``: an object whose ``draw(rng, size)`` returns cumulative completion hazards ``H`` (profiles x size), one
column per run, and whose ``profile`` maps each task to its row (tasks with the same covariates and agency share a
profile, so the work per run scales with distinct profiles, not tasks). This module owns those two protocols; the
models implement them and import nothing from here but the protocols, and nothing here imports a model.

Common random numbers: the model's parameter draws and ``U`` come from two streams of the seed, and ``U`` is
indexed by the task's row, so a scenario that keeps the task list (with some tasks switched off by ``active``, or
extra tasks appended at the end) sees the same luck as the baseline, and their difference is not noise.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from forecast.core.languages import N_
from forecast.core.limits import check_simulation
from forecast.core.threads import one_thread
from forecast.data.question import Provenance, Question

QUANTILES = {"p10": 0.1, "p50": 0.5, "p90": 0.9}
SPLIT_DEFINITION = N_(
    "Of the tasks open at the as-of date and due by the deadline: completed by the end of the "
    "deadline; moved out of the window (deadline extended past it, or reclassified as regular); "
    "slipped (still open after the deadline)."
)
CHUNK_CELLS = 4_000_000  # task-runs per chunk: about 60 MB of working arrays


class Sampler(Protocol):
    """``draw`` gives completion hazards per profile; ``exits``, when not None, is a sampler of competing exits whose
    ``draw(rng, size)`` gives each task's exit hazard over the horizon (tasks x size; see
    :mod:`forecast.models.exits`)."""

    profile: np.ndarray  # (tasks,) row of draw()'s result for each task
    exits: Any

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray: ...


class SlipModel(Protocol):
    name: str

    def fit(self, data, as_of=None) -> SlipModel: ...

    def sampler(self, tasks: pd.DataFrame, as_of, deadline, rate: np.ndarray | None = None) -> Sampler: ...


@dataclass(frozen=True)
class SlipForecast:
    """The simulated slips. ``totals[s]`` = tasks slipping in run s; ``agency_draws`` (agencies x runs).

    ``provenance`` says where the data came from (carried from the :class:`~forecast.data.question.Question`); ``meta``
    holds what a particular model adds to the JSON contract (e.g. the published shares)."""

    model: str
    as_of: pd.Timestamp
    deadline: pd.Timestamp
    seed: int
    tasks: pd.DataFrame  # the open set with ``p_slip``
    totals: np.ndarray
    agencies: tuple[str, ...]
    agency_draws: np.ndarray
    provenance: Provenance
    moved: np.ndarray | None = None  # per run: tasks that left the window (extended past the deadline, reclassified)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sims(self) -> int:
        return len(self.totals)

    def summary(self) -> dict[str, float]:
        """Mean and P10/P50/P90 of the number of tasks that slip (not of completions)."""
        return {"mean": float(self.totals.mean()) if self.sims else 0.0, **_quantiles(self.totals)}

    def split(self) -> dict[str, dict[str, float]]:
        """The open set's expected split at the end of the deadline, each with mean and P10/P50/P90 over the runs:
        ``completed`` by the deadline, ``moved`` out of the window (deadline extended past it, or reclassified as
        regular), ``slipped`` (still open: the forecast's subject). The three add up to the open tasks in every
        run."""
        moved = self.moved if self.moved is not None else np.zeros_like(self.totals)
        parts = {"completed": len(self.tasks) - self.totals - moved, "moved": moved, "slipped": self.totals}
        return {k: {"mean": float(v.mean()) if self.sims else 0.0, **_quantiles(v)} for k, v in parts.items()}

    def interval(self, level: float = 0.8) -> tuple[int, int]:
        """Central ``level`` interval of the slip count."""
        lo, hi = np.quantile(self.totals, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
        return int(lo), int(hi)

    def by_agency(self) -> pd.DataFrame:
        """Per agency: open tasks, mean slips and P10/P50/P90, most slips first."""
        open_counts = self.tasks.groupby("agency", observed=True).size() if self.agencies else pd.Series()
        rows = []
        for name, draws in zip(self.agencies, self.agency_draws, strict=True):
            q = _quantiles(draws)
            rows.append(
                {
                    "agency": name,
                    "open": int(open_counts.get(name, 0)),
                    "slip_mean": float(draws.mean()),
                    "slip_p10": q["p10"],
                    "slip_p50": q["p50"],
                    "slip_p90": q["p90"],
                }
            )
        frame = pd.DataFrame(rows, columns=["agency", "open", "slip_mean", "slip_p10", "slip_p50", "slip_p90"])
        return frame.sort_values(["slip_mean", "agency"], ascending=[False, True], ignore_index=True)

    def agency_matrix(self, names: Sequence[str]) -> np.ndarray:
        """``agency_draws`` rows for ``names`` (zeros for an agency with no open task here): agencies x runs."""
        out = np.zeros((len(names), self.sims), dtype=np.int64)
        index = {a: i for i, a in enumerate(names)}
        for a, draws in zip(self.agencies, self.agency_draws, strict=True):
            out[index[a]] = draws
        return out

    def early_warning(self) -> pd.DataFrame:
        """Every open task with agency, deadline, status and P(slip), highest risk first."""
        cols = [c for c in ("agency", "deadline", "status", "source", "title", "p_slip") if c in self.tasks]
        out = self.tasks[cols].sort_values(["p_slip", "deadline"], ascending=[False, True])
        return out.reset_index()

    def to_json(self) -> dict[str, Any]:
        """The ``forecast predict --json`` contract."""
        agencies = self.by_agency()
        return {
            "as_of": str(self.as_of.date()),
            "deadline": str(self.deadline.date()),
            "model": self.model,
            "sims": self.sims,
            "open_tasks": len(self.tasks),
            "slip": {k: round(v, 2) if k == "mean" else v for k, v in self.summary().items()},
            "split": {
                part: {k: round(v, 2) if k == "mean" else v for k, v in values.items()}
                for part, values in self.split().items()
            },
            "split_definition": SPLIT_DEFINITION,
            "by_agency": [
                {
                    "agency": r.agency,
                    "open": r.open,
                    "slip_mean": round(r.slip_mean, 2),
                    "slip_p10": r.slip_p10,
                    "slip_p90": r.slip_p90,
                }
                for r in agencies.itertuples()
            ],
            **self.provenance.to_json(),
            **self.meta,
        }


def _quantiles(draws: np.ndarray) -> dict[str, int]:
    if len(draws) == 0:
        return dict.fromkeys(QUANTILES, 0)
    values = np.quantile(draws, list(QUANTILES.values()), method="inverted_cdf")
    return {k: int(v) for k, v in zip(QUANTILES, values, strict=True)}


def simulate(
    model: SlipModel,
    question: Question,
    sims: int,
    seed: int,
    *,
    rate: np.ndarray | None = None,
    active: np.ndarray | None = None,
    chunk: int | None = None,
    luck: Luck | None = None,
) -> SlipForecast:
    """Simulate ``sims`` runs of the question's open set with a fitted ``model``: the one main step.

    When the model's sampler has competing ``exits``, a task can leave the window instead of completing or
    slipping: run s draws its exit hazard ``X[i, s]`` too; the task is still open when ``U < exp(-(H + X))``, and
    otherwise left by an exit when ``V < X / (H + X)`` (``V`` a third uniform, by row like ``U``; the exit
    parameters from a stream of their own, so a model without exits draws the same ``H`` and ``U``). ``rate``
    (tasks x model steps) multiplies each task's hazard (scenario levers); ``active`` (bool per task)
    switches tasks off without moving the others' random numbers (scenario drops, unscorable backtest tasks).
    ``chunk`` runs are drawn at a time (default: as many as keep a chunk near :data:`CHUNK_CELLS` task-runs; it
    depends only on the number of tasks, so two questions with the same rows draw the same random numbers).
    ``luck`` keeps the uniforms for the next simulation of as many rows (:class:`Luck`).
    """
    if sims <= 0:
        raise ValueError("sims must be positive")
    tasks = question.tasks
    n = len(tasks)
    agency = tasks["agency"].astype(str).to_numpy()
    names, agency_idx = np.unique(agency, return_inverse=True)
    check_simulation(n, len(names), sims)  # refuse, before allocating, what would not fit in memory
    sampler = model.sampler(tasks, question.as_of, question.deadline, rate=rate)
    leaving = getattr(sampler, "exits", None)
    chunk = chunk or int(np.clip(CHUNK_CELLS // max(n, 1), 1, 4000))
    on = np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool)
    param_rng = np.random.default_rng([seed, 0])
    exit_rng = np.random.default_rng([seed, 2])
    uniforms = _uniforms(luck, (seed, 1, n, sims, chunk), sims, chunk)
    exit_uniforms = _uniforms(luck, (seed, 3, n, sims, chunk), sims, chunk) if leaving is not None else None
    totals = np.zeros(sims, dtype=np.int64)
    moved = np.zeros(sims, dtype=np.int64)
    by_agency = np.zeros((len(names), sims), dtype=np.int64)
    per_task = np.zeros(n, dtype=np.int64)
    segments = _segments(agency_idx)
    order = None
    if len(segments) > 2 * len(names):  # rows not grouped by agency: count them in agency order (a copy per chunk)
        order = np.argsort(agency_idx, kind="stable")
        segments = _segments(agency_idx[order])
    with one_thread():  # small matrices: one BLAS thread is fastest, and far faster on a busy machine
        for lo in range(0, sims, chunk):
            size = min(chunk, sims - lo)
            if n == 0:
                continue
            hazard = np.asarray(sampler.draw(param_rng, size), dtype=np.float32)  # per profile, a fresh array
            if leaving is None:
                np.negative(hazard, out=hazard)
                slip = next(uniforms) < np.exp(hazard, out=hazard)[sampler.profile]
            else:
                X = np.asarray(leaving.draw(exit_rng, size), dtype=np.float32)
                total = hazard[sampler.profile] + X
                still = np.negative(total)
                np.exp(still, out=still)
                slip = next(uniforms) < still
                assert exit_uniforms is not None
                left = np.less(np.multiply(next(exit_uniforms), total, out=total), X)
                left &= ~slip
                if active is not None:
                    left &= on[:, None]
                moved[lo : lo + size] = np.count_nonzero(left, axis=0)
            if active is not None:
                slip &= on[:, None]
            per_task += np.count_nonzero(slip, axis=1)
            counts = by_agency[:, lo : lo + size]
            grouped = slip if order is None else slip[order]
            for g, start, end in segments:  # each agency's rows, a run of consecutive rows at a time
                counts[g] += grouped[start:end].view(np.uint8).sum(axis=0, dtype=np.int32)
            totals[lo : lo + size] = counts.sum(axis=0)
    out = tasks.loc[on].assign(p_slip=per_task[on] / sims)
    keep = np.isin(np.arange(len(names)), np.unique(agency_idx[on]))
    return SlipForecast(
        model=model.name,
        as_of=question.as_of,
        deadline=question.deadline,
        seed=seed,
        tasks=out,
        totals=totals,
        agencies=tuple(names[keep]),
        agency_draws=by_agency[keep],
        provenance=question.provenance,
        moved=moved if leaving is not None else None,
    )


class Luck:
    """The uniforms of a seed's runs (``U``, and ``V`` for the exits) kept for the next simulation of as many rows
    and runs: they depend on nothing else, so a scenario that keeps the rows draws none (the planner's explorer).
    The ``keep`` most recent row counts are kept; a stream is kept whole or not at all."""

    def __init__(self, keep: int = 3):
        self.keep = keep
        self.kept: OrderedDict[tuple, list[np.ndarray]] = OrderedDict()


def _uniforms(luck: Luck | None, key: tuple, sims: int, chunk: int) -> Iterator[np.ndarray]:
    """Each chunk's uniforms (rows x runs, float32) of stream ``key[1]`` of seed ``key[0]``: drawn, or those
    ``luck`` kept for ``key`` (never changed in place)."""
    if luck is not None and key in luck.kept:
        luck.kept.move_to_end(key)
        yield from luck.kept[key]
        return
    rng, n = np.random.default_rng([key[0], key[1]]), key[2]
    drawn = []
    for lo in range(0, sims, chunk):
        u = rng.random((n, min(chunk, sims - lo)), dtype=np.float32)
        if luck is not None:
            drawn.append(u)
            if lo + chunk >= sims:  # the stream is whole: kept
                luck.kept[key] = drawn
                while len(luck.kept) > luck.keep:
                    luck.kept.popitem(last=False)
        yield u


def _segments(group: np.ndarray) -> list[tuple[int, int, int]]:
    """(group, first row, end row) of each run of consecutive rows in the same group: one per group when the rows
    are grouped, a few more when rows were appended (a scenario's new tasks)."""
    cuts = np.flatnonzero(np.diff(group)) + 1
    starts, ends = np.r_[0, cuts], np.r_[cuts, len(group)]
    return [(int(group[a]), int(a), int(b)) for a, b in zip(starts, ends, strict=True)] if len(group) else []


def still_open_path(model: SlipModel, question: Question, sims: int, seed: int, every_days: int = 7) -> pd.DataFrame:
    """The fan: how many of the open tasks are still open at dates from the as-of date to the deadline.

    One simulation per date with the same seed: with the hazard model a later date shares every earlier draw, so
    the fan narrows consistently. Columns ``date, mean, p10, p50, p90``.
    """
    if hasattr(model, "still_open_path"):  # the combined forecast (forecast.scenarios.pooled)
        return model.still_open_path(question, every_days)
    dates = [*pd.date_range(question.as_of, question.deadline, freq=f"{every_days}D"), question.deadline]
    rows = [
        {"date": when, **simulate(model, question.until(when), sims, seed).summary()} for when in sorted(set(dates))
    ]
    return pd.DataFrame(rows)
