"""Scenarios simulated beside the baseline with common random numbers, and their differences.

Each scenario and its baseline are simulated on the same rows (:mod:`.apply`) with the same seed and the same
number of runs per chunk, through the same sampler path (the baseline with every rate 1), so run s of both draws
the same model parameters and the same uniform for every task. The per-run difference ``scenario - baseline`` then
measures the levers alone: its mean, P10 and P90 are reported, overall and per agency. (With independent runs the
difference of two ~±20-task forecasts would be noise of the same size as most levers' effects.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.config.params import Params
from forecast.data.question import Question
from forecast.data.snapshots import Snapshots, load_snapshots
from forecast.engine.simulate import SlipForecast, simulate
from forecast.errors import ParamsError, Problem
from forecast.models.base import horizon_steps
from forecast.scenarios.apply import Inputs, apply_scenario, base_frame
from forecast.scenarios.levers import Scenario, load_scenario
from forecast.scenarios.pooled import CombinedModel, LeverModel, fit
from forecast.scenarios.rate_levers import RateMultiplier

BASELINE = "baseline"

# A scenario's effect on one agency: open tasks and expected slips in the baseline and the scenario, and the mean,
# P10 and P90 of the per-run change (``Comparison.agency_differences``; the report's table of every agency:
# :func:`forecast.present.tables.scenario_effects`).
AGENCY_EFFECT_COLUMNS = (
    "scenario",
    "agency",
    "open_baseline",
    "open_scenario",
    "slip_baseline",
    "slip_scenario",
    "difference",
    "difference_p10",
    "difference_p90",
)


def step_days(model) -> int:
    """Length of the fitted model's steps in days; 1 (daily rates) for a model without steps."""
    return int(getattr(model, "step_days_", 1))


def run_inputs(model: LeverModel, question: Question, inputs: Inputs, params: Params) -> SlipForecast:
    """Simulate one scenario input (its rows, switches and rates) on ``question`` with ``params.sims`` runs of
    ``params.seed``: the same rows always draw the same random numbers. The combined forecast moves by the hazard
    model's change, run by run (:mod:`.pooled`)."""
    if isinstance(model, CombinedModel):
        return model.run_inputs(question, inputs.tasks, inputs.rate, inputs.active)
    return simulate(
        model, question.with_tasks(inputs.tasks), params.sims, params.seed, rate=inputs.rate, active=inputs.active
    )


def _quantiles(values: np.ndarray) -> tuple[int, int]:
    lo, hi = np.quantile(values, [0.1, 0.9], method="inverted_cdf")
    return int(lo), int(hi)


@dataclass(frozen=True)
class ScenarioResult:
    """A scenario's forecast and its baseline on the same rows and random numbers."""

    scenario: Scenario
    forecast: SlipForecast
    baseline: SlipForecast
    warnings: tuple[Problem, ...] = ()  # their message (str) is the commands' English

    @property
    def difference(self) -> np.ndarray:
        """Per run: tasks slipping in the scenario minus in the baseline."""
        return self.forecast.totals - self.baseline.totals

    def difference_summary(self) -> dict[str, float]:
        """Mean, P10 and P90 of the per-run difference (negative = fewer slips)."""
        p10, p90 = _quantiles(self.difference)
        return {"mean": round(float(self.difference.mean()), 2), "p10": p10, "p90": p90}

    def agency_differences(self) -> pd.DataFrame:
        """Per agency the scenario changes (its open tasks, or its slips in some run): open tasks and mean slips in
        baseline and scenario, and the mean, P10 and P90 of the per-run difference; largest change first."""
        frame, diff = agency_effects(self.baseline, self.forecast)
        changed = (diff != 0).any(axis=1) | frame["open_baseline"].ne(frame["open_scenario"]).to_numpy()
        frame = frame.loc[changed].assign(_size=lambda f: f["difference"].abs())  # a Series would add rows to none
        return (
            frame.sort_values(["_size", "agency"], ascending=[False, True]).drop(columns="_size").reset_index(drop=True)
        )

    def to_json(self) -> dict[str, Any]:
        """The scenario's entry in ``forecast scenario --json``: the ``predict`` object plus the scenario and its
        difference from the baseline."""
        body = self.forecast.to_json()
        agencies = self.agency_differences()
        return {
            "scenario": self.scenario.name,
            "description": self.scenario.description,
            "file": str(self.scenario.file) if self.scenario.file else None,
            "levers": self.scenario.describe(),
            **body,
            "difference": self.difference_summary(),
            "by_agency_difference": [
                {
                    "agency": r.agency,
                    "open": r.open_scenario - r.open_baseline,
                    "slip_mean": round(r.difference, 2),
                    "slip_p10": r.difference_p10,
                    "slip_p90": r.difference_p90,
                }
                for r in agencies.itertuples()
            ],
            "warnings": [str(w) for w in self.warnings],
        }


@dataclass(frozen=True)
class Comparison:
    """The baseline and every scenario, from one fitted model."""

    baseline: SlipForecast
    results: tuple[ScenarioResult, ...]

    def to_json(self) -> dict[str, Any]:
        """``forecast scenario --json``: ``{"baseline": <predict JSON>, "scenarios": [...]}``."""
        return {BASELINE: self.baseline.to_json(), "scenarios": [r.to_json() for r in self.results]}

    def summary(self) -> pd.DataFrame:
        """One row for the baseline and one per scenario: open tasks, slips (mean, P10/P50/P90) and the difference
        from the baseline (mean, P10, P90 of the per-run difference)."""
        rows = [
            {
                "scenario": BASELINE,
                "open_tasks": len(self.baseline.tasks),
                **_slips(self.baseline),
                "difference": 0.0,
                "difference_p10": 0,
                "difference_p90": 0,
            }
        ]
        for r in self.results:
            d = r.difference_summary()
            rows.append(
                {
                    "scenario": r.scenario.name,
                    "open_tasks": len(r.forecast.tasks),
                    **_slips(r.forecast),
                    "difference": d["mean"],
                    "difference_p10": d["p10"],
                    "difference_p90": d["p90"],
                }
            )
        return pd.DataFrame(rows)

    def levers(self) -> pd.DataFrame:
        """Each scenario in words: its question (the description), its levers and any warnings; columns
        ``scenario, item`` ("question", "lever 1", ..., "warning") and ``text``."""
        rows = []
        for r in self.results:
            s = r.scenario
            items = [("question", s.description)] if s.description else []
            items += [(f"lever {i}", text) for i, text in enumerate(s.describe(), start=1)]
            items += [("warning", str(w)) for w in r.warnings]
            rows += [{"scenario": s.name, "item": item, "text": text} for item, text in items]
        return pd.DataFrame(rows, columns=["scenario", "item", "text"])

    def distributions(self) -> pd.DataFrame:
        """For the overlay chart: per scenario, the share of runs with each number of slips, for the scenario and
        its baseline (``series``)."""
        frames = []
        for r in self.results:
            for series, result in (("baseline", r.baseline), ("scenario", r.forecast)):
                counts = pd.Series(result.totals).value_counts(normalize=True).sort_index()
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": r.scenario.name,
                            "series": series,
                            "slips": counts.index.astype(int),
                            "share": counts.to_numpy(),
                        }
                    )
                )
        columns = ["scenario", "series", "slips", "share"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    def agency_differences(self, top: int = 10) -> pd.DataFrame:
        """Per scenario, the ``top`` agencies whose slips or open tasks change most
        (:meth:`ScenarioResult.agency_differences`)."""
        frames = [r.agency_differences().head(top).assign(scenario=r.scenario.name) for r in self.results]
        columns = list(AGENCY_EFFECT_COLUMNS)
        return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _slips(result: SlipForecast) -> dict[str, float]:
    s = result.summary()
    return {"slip_mean": s["mean"], "slip_p10": s["p10"], "slip_p50": s["p50"], "slip_p90": s["p90"]}


def compare(
    question: Question,
    model: LeverModel,
    scenarios: Sequence[Scenario],
    params: Params,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Each scenario against the baseline on a fitted ``model``; scenario names must be unique. ``progress`` is
    told the name of each simulation as it finishes (1 + 2 per scenario)."""
    seen: dict[str, Scenario] = {}
    for s in scenarios:
        if s.name in seen:
            raise ParamsError(
                "name",
                f"{s.name!r} names two scenarios ({seen[s.name].file} and {s.file}); give each its own name",
                file=str(s.file) if s.file else None,
            )
        if s.name == BASELINE:
            raise ParamsError(
                "name",
                f"{BASELINE!r} is the forecast without levers; choose another name",
                file=str(s.file) if s.file else None,
            )
        seen[s.name] = s
    days = step_days(model)
    tell = progress or (lambda _: None)
    done: list[tuple[Inputs, SlipForecast]] = []

    def run(inputs: Inputs) -> SlipForecast:
        """``run_inputs``, once per distinct input: a scenario that adds no rows has the baseline's own baseline."""
        known = next((result for seen, result in done if same_inputs(seen, inputs)), None)
        if known is None:
            known = run_inputs(model, question, inputs, params)
            done.append((inputs, known))
        return known

    baseline = run(baseline_inputs(question, model))
    tell(BASELINE)
    results = []
    for s in scenarios:
        applied = apply_scenario(s, question, days)
        changed = run(applied.changed)
        tell(s.name)
        results.append(ScenarioResult(s, changed, run(applied.baseline), applied.warnings))
        tell(f"{s.name}: its baseline")
    return Comparison(baseline, tuple(results))


def agency_effects(baseline: SlipForecast, scenario: SlipForecast) -> tuple[pd.DataFrame, np.ndarray]:
    """Every agency with open tasks in ``baseline`` or ``scenario`` (same runs): open tasks and mean slips in both
    and the mean, P10 and P90 of the per-run difference (:data:`AGENCY_EFFECT_COLUMNS` but ``scenario``), in name
    order; with the per-run differences (agencies x runs)."""
    names = sorted(set(baseline.agencies) | set(scenario.agencies))
    base, scen = baseline.agency_matrix(names), scenario.agency_matrix(names)
    open_base = baseline.tasks.groupby(baseline.tasks["agency"].astype(str)).size()
    open_scen = scenario.tasks.groupby(scenario.tasks["agency"].astype(str)).size()
    diff = scen - base
    lo, hi = np.quantile(diff, [0.1, 0.9], axis=1, method="inverted_cdf") if names else (np.zeros(0), np.zeros(0))
    frame = pd.DataFrame(
        {
            "agency": names,
            "open_baseline": [int(open_base.get(a, 0)) for a in names],
            "open_scenario": [int(open_scen.get(a, 0)) for a in names],
            "slip_baseline": base.mean(axis=1),
            "slip_scenario": scen.mean(axis=1),
            "difference": diff.mean(axis=1),
            "difference_p10": lo.astype(int),
            "difference_p90": hi.astype(int),
        }
    )
    return frame, diff


def same_inputs(a: Inputs, b: Inputs) -> bool:
    """Whether two scenario inputs are the same (rows, switches and rates): the same runs follow."""
    return (
        a.rate.shape == b.rate.shape
        and np.array_equal(a.rate, b.rate)
        and np.array_equal(a.active, b.active)
        and a.tasks.equals(b.tasks)
    )


def baseline_inputs(question: Question, model: LeverModel) -> Inputs:
    """The forecast without levers as a scenario input: the open set, every task active, every rate 1."""
    tasks = base_frame(question.tasks)
    steps = len(horizon_steps(question.as_of, question.deadline, step_days(model))[1])
    return Inputs(tasks, np.ones(len(tasks), dtype=bool), np.ones((len(tasks), steps)))


def faster_pace(multiplier: float) -> Scenario:
    """The scenario "every agency works ``multiplier`` times as fast" (the pages' "twice the pace")."""
    lever = RateMultiplier("levers[0]", multiplier, None)
    return Scenario(f"every agency ×{multiplier:g} as fast", (lever,), lever.describe())


def run_scenario(question: Question, model: LeverModel, scenario: Scenario, params: Params) -> SlipForecast:
    """The forecast under ``scenario``'s levers alone, with the baseline's runs (common random numbers)."""
    return run_inputs(model, question, apply_scenario(scenario, question, step_days(model)).changed, params)


def run_baseline(question: Question, model: LeverModel, params: Params) -> SlipForecast:
    """The forecast without levers, through the scenarios' sampler path (every rate 1)."""
    return run_inputs(model, question, baseline_inputs(question, model), params)


def compare_scenarios(
    params: Params,
    files: Sequence[str | Path] | None = None,
    snaps: Snapshots | None = None,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Load the scenario ``files`` (default: ``params.scenarios``), fit ``params.model`` once and compare."""
    snaps = snaps if snaps is not None else load_snapshots(params.snapshots, params.status_labels)
    scenarios = [load_scenario(f) for f in (params.scenarios if files is None else files)]
    question, model = fit(params, snaps)
    return compare(question, model, scenarios, params, progress)
