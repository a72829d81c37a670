"""Shared by the scenario and goal tests: the bundled sample's problem at 4 Dec with a fitted hazard model."""

from __future__ import annotations

import functools

import numpy as np

from forecast import load_snapshots, paths
from forecast.models import make_model
from forecast.params import Params
from forecast.predict import resolve
from forecast.scenarios import compare, parse_scenario

PARAMS = Params(sims=400, seed=11)
FINANCE = "Ministry of Finance"


@functools.cache
def fitted():
    """(problem, model) on the bundled sample at 4 Dec 2025, fitted once per test session."""
    snaps = load_snapshots(paths.SAMPLE_DIR)
    problem = resolve(snaps)
    return problem, make_model("hazard").fit(snaps, problem.as_of)


def scenario(*levers: dict, name: str = "test"):
    return parse_scenario({"name": name, "levers": list(levers)})


def run(*levers: dict, params: Params = PARAMS):
    """One scenario of ``levers`` against the baseline: its :class:`~forecast.scenarios.ScenarioResult`."""
    problem, model = fitted()
    return compare(problem, model, [scenario(*levers)], params).results[0]


def p_at_most(totals: np.ndarray, target: int) -> float:
    return float(np.mean(totals <= target))
