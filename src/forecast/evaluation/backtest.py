"""Rolling-origin backtest: which model to trust.

For each past snapshot date t (the *cutoff*; expanding window), the task histories are built from the snapshots up
to t only, each model is fitted on them and forecasts the then-open tasks (deadline on or before the *outcome date*,
the first snapshot on or after t + h) to the outcome date; the outcome is what that later snapshot shows. Tasks
missing from the outcome snapshot cannot be scored and are left out of both sides (switched off in the simulation,
so the others keep their random numbers).

Scores per model over all cutoffs (:mod:`forecast.evaluation.scores`): MAE of the mean, mean CRPS, coverage of the
central 50/80/90 % intervals, the non-randomised PIT histogram, and per task the Brier score and a reliability table.
The best model is the one with the lowest mean CRPS."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cached_property, partial

import numpy as np
import pandas as pd

from forecast.core.threads import one_thread
from forecast.data import schema
from forecast.data.cache import Cache, data_fingerprint, model_settings
from forecast.data.question import Question, ask
from forecast.data.snapshots import Snapshots
from forecast.engine.published import question_forecast
from forecast.engine.simulate import SlipForecast, simulate
from forecast.errors import ForecastError
from forecast.evaluation import scores
from forecast.models import MODELS, make_model

LEVELS = (0.5, 0.8, 0.9)


@dataclass(frozen=True)
class Backtest:
    """Per (cutoff, model): the forecast and the outcome (``frame``); per (cutoff, model, task): P(slip) and
    whether it slipped (``tasks``)."""

    horizon_days: int
    frame: pd.DataFrame
    tasks: pd.DataFrame
    draws: dict[tuple[pd.Timestamp, str], np.ndarray] = field(default_factory=dict, repr=False)  # slip draws

    @property
    def origins(self) -> list[str]:
        return [str(d.date()) for d in sorted(self.frame["cutoff"].unique())]

    def scores(self) -> pd.DataFrame:
        """One row per model: ``bias`` (mean of forecast mean minus outcome: negative = too few slips forecast),
        ``mae, crps, coverage50, coverage80, coverage90, brier``, best CRPS first."""
        f = self.frame.assign(error=self.frame["slip_mean"] - self.frame["observed"])
        per = f.groupby("model", sort=False).agg(
            bias=("error", "mean"),
            mae=("abs_error", "mean"),
            crps=("crps", "mean"),
            **{f"coverage{int(level * 100)}": (f"covered{int(level * 100)}", "mean") for level in LEVELS},
        )
        per["brier"] = self.tasks.groupby("model", sort=False).apply(
            lambda g: scores.brier(g["p_slip"], g["slipped"]), include_groups=False
        )
        return per.reset_index().sort_values("crps", ignore_index=True)

    @property
    def best(self) -> str:
        return str(self.scores()["model"].iloc[0])

    def pit(self, model: str, bins: int = 10) -> pd.DataFrame:
        rows = self.frame.loc[self.frame["model"] == model]
        return scores.pit_histogram(rows["pit_lower"], rows["pit_upper"], bins)

    def reliability(self, model: str, bins: int = 10) -> pd.DataFrame:
        rows = self.tasks.loc[self.tasks["model"] == model]
        return scores.reliability(rows["p_slip"], rows["slipped"], bins)

    def to_json(self) -> dict:
        table = self.scores()
        return {
            "horizon_days": self.horizon_days,
            "origins": self.origins,
            "models": [
                {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                for row in table.to_dict("records")
            ],
            "best": self.best,
        }


def cutoffs(snaps: Snapshots, horizon_days: int, min_history: int = 8) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(cutoff, outcome date) pairs: every snapshot with ``min_history`` snapshots up to it and a snapshot on or
    after cutoff + horizon to score it against."""
    dates = snaps.dates
    pairs = []
    for t in dates[max(min_history - 1, 1) :]:
        later = dates[dates >= t + pd.Timedelta(days=horizon_days)]
        if len(later):
            pairs.append((t, later[0]))
    return pairs


def outcome(frame: pd.DataFrame, task_ids: pd.Index, when: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """(seen, slipped) per task of ``task_ids`` at the snapshot of ``when`` in the long ``frame``: seen = in that
    snapshot (else it cannot be scored); slipped = still open and due by ``when``. A task reclassified as regular,
    or extended past ``when``, has left the window: seen, not slipped (the forecast's competing exits)."""
    rows = frame.loc[frame["snapshot_date"] == when, ["task_id", "status", "deadline"]]
    later = rows.set_index("task_id").reindex(task_ids)
    seen = later["status"].notna().to_numpy()
    slipped = schema.open_and_due(later, when).to_numpy()
    return seen, slipped


def run_backtest(
    snaps: Snapshots,
    horizon_days: int = 27,
    models: Sequence[str] = tuple(MODELS),
    sims: int = 2000,
    seed: int = 2025,
    min_history: int = 8,
    progress: Callable[[str], None] | None = None,
    settings: dict | None = None,
    cache: Cache | None = None,
    figures: pd.DataFrame | None = None,
    step: int = 1,
    jobs: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Backtest:
    """Backtest ``models`` at every ``step``-th eligible cutoff counted back from the latest; raise
    :class:`ForecastError` when there is none. ``settings`` (:meth:`forecast.config.params.Params.model_settings`) reach
    each model as in a forecast. With the published ``figures``, the published-figures model answers each cutoff's
    question too (model ``published``: :func:`forecast.engine.published.question_forecast`). ``cache``
    (:func:`forecast.data.cache.open_cache`) keeps each (cutoff, model) result, keyed by the snapshots up to the
    cutoff's outcome date: a new snapshot adds its cutoffs and leaves the earlier ones as they were. The cutoffs not
    cached run on ``jobs`` processes (:func:`_computed`); the cache is written here, in this process, and ``progress``
    hears of each as it ends. ``meanwhile`` is work of the caller's for this process while they run (called once, on one
    BLAS thread, as soon as the workers have their cutoffs; first, when there are no workers or nothing to compute; not
    at all when this raises before)."""
    if horizon_days < 1:
        raise ForecastError(f"horizon_days must be at least 1, not {horizon_days}")
    unknown = [m for m in models if m not in MODELS]
    if not models and figures is None:
        raise ForecastError(f"no model to backtest; choose from {', '.join(MODELS)}")
    if unknown:
        raise ForecastError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    pairs = cutoffs(snaps, horizon_days, min_history)[::-1][::step][::-1]
    if not pairs:
        raise ForecastError(f"no cutoff has {min_history} snapshots before it and one {horizon_days} days after it")
    cache = cache or Cache(None)
    figures_key = "" if figures is None else str(int(pd.util.hash_pandas_object(figures, index=False).sum()))
    names = [*models, *(["published"] if figures is not None else [])]
    found: dict[tuple[int, str], tuple[dict, pd.DataFrame, np.ndarray]] = {}
    keys: dict[tuple[int, str], dict] = {}
    todo: dict[int, list[str]] = {}
    for i, (cutoff, outcome_date) in enumerate(pairs):
        common = {
            "cutoff": str(cutoff.date()),
            "outcome": str(outcome_date.date()),
            "sims": sims,
            "seed": seed,
            "data": data_fingerprint(snaps, outcome_date),
        }
        for name in names:
            if name == "published":
                keys[i, name] = {"model": name, "figures": figures_key, **common}
            else:
                keys[i, name] = {**model_settings(make_model(name, **(settings or {}))), **common}
            hit, value = cache.lookup("backtest", keys[i, name])
            if hit:
                found[i, name] = value
            else:
                todo.setdefault(i, []).append(name)
    work = _Work(snaps, tuple(pairs), sims, seed, settings or {}, figures)
    for done, (i, results) in enumerate(_computed(work, todo, jobs, meanwhile), start=1):
        for name, value in results.items():
            cache.store("backtest", keys[i, name], value)
            found[i, name] = value
        if progress:
            cutoff, outcome_date = pairs[i]
            progress(f"cutoff {done}/{len(todo)} computed: {cutoff.date()} -> {outcome_date.date()}")
    rows, task_rows, draws = [], [], {}
    for i, (cutoff, _) in enumerate(pairs):
        for name in names:
            row, per_task, slips = found[i, name]
            rows.append(row)
            task_rows.append(per_task)
            draws[cutoff, name] = slips
    frame = pd.DataFrame(rows).rename(columns={"mean": "slip_mean"})
    return Backtest(horizon_days, frame, pd.concat(task_rows, ignore_index=True), draws)


def default_jobs() -> int:
    """Processes a backtest's cutoffs run on: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class _Work:
    """What every cutoff's computation reads: the snapshots (outcomes included), the cutoffs and the settings."""

    snaps: Snapshots
    pairs: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
    sims: int
    seed: int
    settings: dict
    figures: pd.DataFrame | None

    def run(self, i: int, names: Sequence[str]) -> dict[str, tuple[dict, pd.DataFrame, np.ndarray]]:
        """The results of ``names`` at cutoff ``i``: each model fitted on the snapshots up to it and scored."""
        cut = _Cutoff(self.snaps, *self.pairs[i])
        out = {}
        for name in names:
            if name == "published":
                run = partial(_published, self.figures, self.sims, self.seed)
            else:
                model = make_model(name, **self.settings)
                run = partial(_simulated, model, cut.snaps, cut.cutoff, self.sims, self.seed)
            out[name] = _score(cut, name, run)
        return out


_WORKER: list[_Work] = []  # in a worker process: the work it was forked with


def _start_worker(work: _Work) -> None:
    _WORKER[:] = [work]


def _run_in_worker(i: int, names: Sequence[str]) -> dict[str, tuple[dict, pd.DataFrame, np.ndarray]]:
    with one_thread():
        try:
            return _WORKER[0].run(i, names)
        except ForecastError as exc:  # its message crosses the process boundary; a subclass's fields may not
            raise ForecastError(str(exc)) from None


def _computed(
    work: _Work, todo: dict[int, list[str]], jobs: int | None, meanwhile: Callable[[], object] | None = None
) -> Iterator[tuple[int, dict]]:
    """(index, results) of each cutoff in ``todo`` (index -> models), on ``jobs`` processes (default:
    :func:`default_jobs`) forked from this one, so they share its loaded snapshots and imported models; one BLAS
    thread each. ``meanwhile`` runs in this process once they have their work (the core it would leave idle is used:
    a forecast's own fits beside its backtest, even when one cutoff is new); first, when the cutoffs run here or
    there are none. Each worker builds the snapshots' memos (intervals, exit transitions: a few hundredths of a
    second) on its first cutoff. The latest cutoffs (the most data) start first and results come as they end, so no
    core waits long for the last one. Every result depends only on its cutoff, model, runs and seed, so the numbers
    do not depend on ``jobs`` or the order.
    """
    order = sorted(todo)
    cores = default_jobs() if jobs is None else jobs
    jobs = min(cores, len(order))
    beside = jobs == 1 and cores > 1 and meanwhile is not None  # one new cutoff: on a worker, beside the caller's work
    if (jobs < 2 and not beside) or "fork" not in mp.get_all_start_methods():
        with one_thread():
            if meanwhile:
                meanwhile()
            for i in order:
                yield i, work.run(i, todo[i])
        return
    context = mp.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=(work,)) as pool:
        futures = {pool.submit(_run_in_worker, i, todo[i]): i for i in reversed(order)}  # forks every worker
        if meanwhile:
            with one_thread():
                meanwhile()
        for future in as_completed(futures):
            yield futures[future], future.result()


@dataclass
class _Cutoff:
    """One cutoff's question and outcome, built on first use (not at all when every model's result is cached)."""

    snaps: Snapshots
    cutoff: pd.Timestamp
    outcome_date: pd.Timestamp

    @cached_property
    def question(self) -> Question:
        return ask(self.snaps, self.cutoff, self.outcome_date)

    @cached_property
    def outcome(self) -> tuple[np.ndarray, np.ndarray]:
        return outcome(self.snaps.frame, self.question.tasks.index, self.outcome_date)


def _simulated(
    model, snaps: Snapshots, cutoff: pd.Timestamp, sims: int, seed: int, question: Question, active: np.ndarray
) -> SlipForecast:
    """A task-level model fitted on the snapshots up to the cutoff, simulated on the question's ``active`` tasks."""
    return simulate(model.fit(snaps, cutoff), question, sims, seed, active=active)


def _published(figures: pd.DataFrame, sims: int, seed: int, question: Question, active: np.ndarray) -> SlipForecast:
    """The published-figures model on the question's ``active`` tasks."""
    return question_forecast(figures, question, sims, seed, active=active)


def _score(
    cut: _Cutoff,
    name: str,
    run: Callable[[Question, np.ndarray], SlipForecast],
) -> tuple[dict, pd.DataFrame, np.ndarray]:
    """One model at one cutoff: its score row, its per-task rows and its slip draws."""
    seen, slipped = cut.outcome
    observed = int(slipped[seen].sum())
    fc = run(cut.question, seen)
    lo, hi = scores.pit_bounds(fc.totals, observed)
    row = {
        "cutoff": cut.cutoff,
        "model": name,
        "outcome_date": cut.outcome_date,
        "open": int(seen.sum()),
        "observed": observed,
        **fc.summary(),
        "abs_error": abs(fc.totals.mean() - observed),
        "crps": scores.crps(fc.totals, observed),
        **{f"covered{int(level * 100)}": scores.interval_covers(fc.totals, observed, level) for level in LEVELS},
        "pit_lower": lo,
        "pit_upper": hi,
    }
    per_task = pd.DataFrame(
        {
            "cutoff": cut.cutoff,
            "model": name,
            "task_id": fc.tasks.index,
            "p_slip": fc.tasks["p_slip"].to_numpy(),
            "slipped": slipped[seen],
        }
    )
    return row, per_task, fc.totals.astype(np.int32)
