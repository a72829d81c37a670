"""Goal-seek: the smallest uniform rate multiplier that makes P(slips <= N) reach a probability.

Multiplier m scales the completion hazard of every open task (or only the listed agencies' tasks) on every day of
the horizon. Every evaluation simulates the same rows with the same seed and chunking (common random numbers), so
run s draws the same parameters and uniforms at every m; a task slips in run s when ``U < exp(-m * H)``, so its
slip indicator, the run's total and hence ``P(m) = P(slips <= N)`` never rise as m grows (for the hazard model,
which applies m exactly; the other models use m through monotone transforms too). That makes bisection exact: on
the grid of hundredths, the answer m* has ``P(m*) >= p`` and ``P(m* - 0.01) < p``, both from the very simulations a
re-run at those multipliers reproduces. The search covers 0 to ``cap`` (default ×20); when ``P(cap) < p`` the
target is **not reachable**, and the ceiling, P if the accelerated agencies finished every open task, says whether
any pace could do it (the other agencies' slips alone may exceed N).

**Which agencies buy the most.** A task's slip depends only on its own rate and the shared draws, so accelerating
agency a alone changes, run by run, exactly agency a's slips in the all-accelerated run. One simulation therefore
gives, per agency, the expected slips saved by accelerating it alone, and P(slips <= N) if only it accelerated.
The ranking uses the found multiplier (×2 when the target already holds at the current pace; the cap when it is
not reachable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.question import Question
from forecast.data.snapshots import Snapshots, load_snapshots
from forecast.engine.simulate import SlipForecast
from forecast.errors import ForecastError
from forecast.models.base import horizon_steps
from forecast.scenarios.apply import Inputs, Names, base_frame, data_names, uniform_rate
from forecast.scenarios.compare import run_inputs, step_days
from forecast.scenarios.pooled import LeverModel, fit

GRID = 100  # multipliers are searched in hundredths
RANK_WHEN_MET = 2.0


@dataclass(frozen=True)
class GoalResult:
    """The goal-seek answer. ``multiplier`` is ``None`` when the target is not reachable within ``cap``."""

    target_slips: int
    probability: float
    agencies: tuple[str, ...] | None  # None: every agency
    cap: float
    multiplier: float | None
    probability_at: float  # P(slips <= N) at the multiplier (at the cap when not reachable)
    multiplier_below: float | None  # one hundredth below the multiplier: P < target there
    probability_below: float | None
    baseline_probability: float
    ceiling_probability: float  # if the accelerated agencies finished every open task
    accelerated_open: int  # open tasks of the accelerated agencies
    forecast: SlipForecast  # at the multiplier (at the cap when not reachable)
    baseline: SlipForecast
    ranking_multiplier: float
    ranking: pd.DataFrame
    evaluations: int

    @property
    def reachable(self) -> bool:
        return self.multiplier is not None

    def message(self) -> str:
        """The answer in one or two sentences."""
        who = "every agency" if self.agencies is None else " and ".join(self.agencies)
        goal = f"P(slips <= {self.target_slips}) >= {self.probability:.0%}"
        if self.multiplier is None:  # not reachable
            why = (
                f"even if {who} finished all {self.accelerated_open} of their open tasks, P would be "
                f"{self.ceiling_probability:.2%}"
                if self.ceiling_probability < self.probability
                else f"at ×{self.cap:g} P is {self.probability_at:.2%}"
            )
            return f"Not reachable: {goal} needs more than ×{self.cap:g} for {who}; {why}."
        if self.multiplier == 0:
            return f"Already met: {goal} holds even if {who} completed nothing more ({self.probability_at:.2%})."
        pace = f"×{self.multiplier:.2f} the current completion rate for {who}"
        base = f"at the current pace P = {self.baseline_probability:.2%}"
        if self.multiplier <= 1:
            return f"Already met ({base}); it still holds down to {pace} (P = {self.probability_at:.2%})."
        return (
            f"{goal} needs {pace} (P = {self.probability_at:.2%}; ×{self.multiplier_below:.2f} gives "
            f"{self.probability_below:.2%}); {base}."
        )

    def to_json(self) -> dict[str, Any]:
        """``forecast goal --json``."""
        s = self.forecast.summary()
        return {
            "as_of": str(self.forecast.as_of.date()),
            "deadline": str(self.forecast.deadline.date()),
            "model": self.forecast.model,
            "sims": self.forecast.sims,
            "seed": self.forecast.seed,
            "open_tasks": len(self.baseline.tasks),
            "target": {"slips": self.target_slips, "probability": self.probability},
            "agencies": list(self.agencies) if self.agencies is not None else None,
            "reachable": self.reachable,
            "multiplier": self.multiplier,
            "probability_at_multiplier": round(self.probability_at, 4),
            "multiplier_below": self.multiplier_below,
            "probability_below": None if self.probability_below is None else round(self.probability_below, 4),
            "baseline_probability": round(self.baseline_probability, 4),
            "ceiling_probability": round(self.ceiling_probability, 4),
            "cap": self.cap,
            "slip": {k: round(v, 2) if k == "mean" else v for k, v in s.items()},
            "ranking_multiplier": self.ranking_multiplier,
            "ranking": [
                {
                    "agency": r.agency,
                    "open": r.open,
                    "slip_mean": round(r.slip_mean, 2),
                    "slips_saved": round(r.slips_saved, 2),
                    "p_target_alone": round(r.p_target_alone, 4),
                }
                for r in self.ranking.itertuples()
            ],
            "message": self.message(),
            **self.forecast.provenance.to_json(),
        }


class _Search:
    """P(slips <= N) at multiplier k / GRID on the accelerated rows, every evaluation with the same luck."""

    def __init__(
        self,
        question: Question,
        model: LeverModel,
        params: Params,
        rows: np.ndarray,
        target: int,
        progress: Callable[[str], None] | None = None,
    ):
        self.question, self.model, self.params, self.rows, self.target = question, model, params, rows, target
        self.progress = progress
        self.tasks = base_frame(question.tasks)
        self.steps = len(horizon_steps(question.as_of, question.deadline, step_days(model))[1])
        self.runs: dict[int, SlipForecast] = {}

    def forecast(self, k: int) -> SlipForecast:
        if k not in self.runs:
            inputs = Inputs(
                self.tasks,
                np.ones(len(self.tasks), dtype=bool),
                uniform_rate(len(self.tasks), self.steps, self.rows, k / GRID),
            )
            self.runs[k] = run_inputs(self.model, self.question, inputs, self.params)
            if self.progress:
                self.progress(f"×{k / GRID:.2f}")
        return self.runs[k]

    def p(self, k: int) -> float:
        return float(np.mean(self.forecast(k).totals <= self.target))


def seek(
    question: Question,
    model: LeverModel,
    params: Params,
    target_slips: int,
    probability: float = 0.8,
    agencies: Sequence[str] | None = None,
    cap: float = 20.0,
    progress: Callable[[str], None] | None = None,
) -> GoalResult:
    """The smallest multiplier (in hundredths, 0 to ``cap``) on ``agencies``' tasks (``None``: all) making
    P(slips <= ``target_slips``) >= ``probability``, by bisection on common-random-number simulations; ``progress``
    is told each multiplier simulated."""
    if isinstance(target_slips, bool) or not isinstance(target_slips, int | np.integer) or target_slips < 0:
        raise ForecastError(f"target slips must be a whole number of tasks, 0 or more, not {target_slips!r}")
    if not 0 < probability < 1:
        raise ForecastError(f"probability must be between 0 and 1 (exclusive), not {probability!r}")
    if not cap > 1:
        raise ForecastError(f"the multiplier cap must be greater than 1, not {cap!r}")
    open_agencies = question.tasks["agency"].astype(str)
    if agencies is not None:
        if not agencies:
            raise ForecastError("--agencies names no agency; leave it out to accelerate every agency")
        names, _ = data_names(question)
        agencies = tuple(dict.fromkeys(names.resolve(a, "--agencies") for a in agencies))
        idle = [a for a in agencies if not (open_agencies == a).any()]
        if idle:
            raise ForecastError(
                f"{', '.join(idle)} hold(s) no open task due by {question.deadline.date()}; "
                "accelerating them changes nothing"
            )
    rows = open_agencies.isin(agencies).to_numpy() if agencies is not None else np.ones(len(open_agencies), bool)
    search = _Search(question, model, params, rows, int(target_slips), progress)
    top = int(np.floor(cap * GRID))
    lo: int
    hi: int | None
    if search.p(GRID) >= probability:  # met at the current pace: how far could the pace fall?
        lo, hi = (0, 0) if search.p(0) >= probability else (0, GRID)
    else:
        lo, hi = (GRID, None) if search.p(top) < probability else (GRID, top)
    while hi is not None and hi - lo > 1:  # invariant: P(lo) < p <= P(hi)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if search.p(mid) >= probability else (mid, hi)
    at = top if hi is None else hi
    rank_k = top if hi is None else (hi if hi > GRID else int(RANK_WHEN_MET * GRID))
    baseline = search.forecast(GRID)
    chosen = sorted(pd.unique(open_agencies[rows]))
    ceiling = _ceiling(baseline, chosen, int(target_slips))
    return GoalResult(
        target_slips=int(target_slips),
        probability=probability,
        agencies=agencies,
        cap=cap,
        multiplier=None if hi is None else hi / GRID,
        probability_at=search.p(at),
        multiplier_below=None if hi in (None, 0) else (hi - 1) / GRID,
        probability_below=None if hi in (None, 0) else search.p(hi - 1),
        baseline_probability=search.p(GRID),
        ceiling_probability=ceiling,
        accelerated_open=int(rows.sum()),
        forecast=search.forecast(at),
        baseline=baseline,
        ranking_multiplier=rank_k / GRID,
        ranking=_ranking(baseline, search.forecast(rank_k), chosen, int(target_slips)),
        evaluations=len(search.runs),
    )


def _draws(result: SlipForecast, agencies: Sequence[str]) -> np.ndarray:
    """Per-run slips of ``agencies`` (agencies x runs), zeros for one without open tasks."""
    index = {a: i for i, a in enumerate(result.agencies)}
    return (
        np.stack([result.agency_draws[index[a]] if a in index else np.zeros(result.sims, np.int64) for a in agencies])
        if len(agencies)
        else np.zeros((0, result.sims), np.int64)
    )


def _ceiling(baseline: SlipForecast, agencies: Sequence[str], target: int) -> float:
    """P(slips <= target) if ``agencies`` finished every open task: the others' slips, run by run."""
    others = baseline.totals - _draws(baseline, agencies).sum(axis=0)
    return float(np.mean(others <= target))


def _ranking(baseline: SlipForecast, accelerated: SlipForecast, agencies: Sequence[str], target: int) -> pd.DataFrame:
    """Per agency: open tasks, baseline slips, slips saved by accelerating it alone and P(target) then."""
    base, fast = _draws(baseline, agencies), _draws(accelerated, agencies)
    saved = base - fast  # (agencies x runs), exact per run under common random numbers
    open_counts = baseline.tasks.groupby("agency").size()
    frame = pd.DataFrame(
        {
            "agency": list(agencies),
            "open": [int(open_counts.get(a, 0)) for a in agencies],
            "slip_mean": base.mean(axis=1),
            "slips_saved": saved.mean(axis=1),
            "p_target_alone": ((baseline.totals[None, :] - saved) <= target).mean(axis=1),
        }
    )
    return frame.sort_values(["slips_saved", "agency"], ascending=[False, True], ignore_index=True)


def goal_seek(
    params: Params,
    target_slips: int,
    probability: float = 0.8,
    agencies: str | Sequence[str] | None = None,
    cap: float = 20.0,
    snaps: Snapshots | None = None,
    progress: Callable[[str], None] | None = None,
) -> GoalResult:
    """Load, fit ``params.model`` once and :func:`seek`. ``agencies`` may be one comma-separated text (names holding
    commas are matched whole)."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    question, model = fit(params, snaps)
    if isinstance(agencies, str):
        names: Names = data_names(question)[0]
        agencies = names.split(agencies, "--agencies")
    return seek(question, model, params, target_slips, probability, agencies, cap, progress)
