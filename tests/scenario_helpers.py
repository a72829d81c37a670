"""Shared by the scenario and goal tests: the bundled sample's question at 4 Dec with a fitted hazard model.

The levers and the goal-seek are tested on the autumn forecast (December like the ordinary weeks: the hazard
model's ``year_end_mode="autumn"``), whose slips are many and whose sizes these tests' targets were chosen for;
the year-end blend goes through the same code (``test_goal.py`` seeks under it too)."""

from __future__ import annotations

import functools

import numpy as np

from forecast import load_snapshots, paths
from forecast.config.params import Params
from forecast.data.question import ask
from forecast.models import make_model
from forecast.scenarios.compare import compare
from forecast.scenarios.levers import parse_scenario

PARAMS = Params(model="hazard", sims=400, seed=11)  # the hazard model's own scenarios; the pool's: test_pooled
FINANCE = "Ministry of Finance"


@functools.cache
def fitted():
    """(question, model) on the bundled sample at 4 Dec 2025, fitted once per test session."""
    snaps = load_snapshots(paths.SAMPLE_DIR)
    question = ask(snaps)
    return question, make_model("hazard").fit(snaps, question.as_of).with_year_end_mode("autumn")


@functools.cache
def blended():
    """(question, model): :func:`fitted` forecasting the year-end blend (the default)."""
    question, model = fitted()
    return question, model.with_year_end_mode("blend")


def scenario(*levers: dict, name: str = "test"):
    return parse_scenario({"name": name, "levers": list(levers)})


def run(*levers: dict, params: Params = PARAMS):
    """One scenario of ``levers`` against the baseline: its :class:`~forecast.scenarios.compare.ScenarioResult`."""
    question, model = fitted()
    return compare(question, model, [scenario(*levers)], params).results[0]


def p_at_most(totals: np.ndarray, target: int) -> float:
    return float(np.mean(totals <= target))
