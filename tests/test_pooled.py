"""The combined forecast as a model the levers move (``forecast.scenarios.pooled``): one forecast for the headline,
the agencies, the scenarios, goal-seek and twice the pace (#25)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import sample
from forecast.combine import share_out
from forecast.config.params import parse_params
from forecast.data.snapshots import from_frame
from forecast.present.rundata import faster_pace
from forecast.scenarios.compare import baseline_inputs, compare, run_inputs
from forecast.scenarios.pooled import CombinedModel, fit
from tests.scenario_helpers import scenario

pytestmark = pytest.mark.slow

FASTER = {"lever": "rate_multiplier", "agency": "all", "multiplier": 3.0}


@pytest.fixture(scope="module")
def pooled():
    """300 tasks weekly from July to 4 Dec 2025, the combined forecast with the published figures in the pool."""
    snaps = from_frame(sample.generate(tasks=300, seed=5, start="2025-07-03", until="2025-12-04"), synthetic=True)
    params = parse_params({"sims": 600, "seed": 7, "as_of": "2025-12-04", "deadline": "2025-12-31"})
    question, model = fit(params, snaps)
    assert isinstance(model, CombinedModel)
    return params, question, model


def test_the_baseline_through_the_levers_path_is_the_headline_run_by_run(pooled):
    params, question, model = pooled
    plain = run_inputs(model, question, baseline_inputs(question, model), params)
    head = model.forecast_
    assert np.array_equal(plain.totals, head.totals)
    assert np.array_equal(plain.agency_matrix(head.agencies), head.agency_draws)
    assert np.allclose(plain.tasks["p_slip"], head.tasks["p_slip"].reindex(plain.tasks.index))


def test_the_agencies_add_up_to_the_headline_in_every_run_published_runs_included(pooled):
    _, _, model = pooled
    head = model.forecast_
    assert "published" in {c["model"] for c in head.meta["components"] if c["weight"] > 0}
    assert np.array_equal(head.agency_draws.sum(axis=0), head.totals)
    open_by_agency = head.tasks.groupby("agency").size().reindex(head.agencies).to_numpy()
    assert (head.agency_draws <= open_by_agency[:, None]).all()


def test_a_lever_moves_each_run_by_the_hazard_models_change_in_that_runs_december(pooled):
    params, question, model = pooled
    result = compare(question, model, [scenario(FASTER)], params).results[0]
    assert result.baseline.totals.tolist() == model.forecast_.totals.tolist()  # the headline is the baseline
    assert (result.difference <= 0).all() and result.difference.mean() < -1  # faster never adds a slip
    assert np.array_equal(result.forecast.agency_draws.sum(axis=0), result.forecast.totals)
    # in the runs of the year-end December the combined run is the hazard model's own: its scenario is exact
    ye = run_inputs(model.year_end, question, *_inputs(result, question, model, params))
    plain = run_inputs(model.year_end, question, baseline_inputs(question, model), params)
    take = model.take
    assert take.any() and (~take).any()
    assert np.array_equal(result.forecast.totals[take], ye.totals[take])
    assert np.array_equal(result.baseline.totals[take], plain.totals[take])


def _inputs(result, question, model, params):
    from forecast.scenarios.apply import apply_scenario
    from forecast.scenarios.compare import step_days

    applied = apply_scenario(result.scenario, question, step_days(model))
    return applied.changed, params


def test_twice_the_pace_lowers_every_tasks_chance_and_the_savings_are_the_hazard_models(pooled):
    params, question, model = pooled
    fast = faster_pace(model, question, params, model.forecast_)
    p = model.forecast_.tasks["p_slip"].to_numpy()
    assert (fast <= p + 1e-12).all() and (fast >= 0).all() and (p - fast).sum() > 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40)), min_size=1, max_size=12),
    st.integers(0, 400),
)
def test_a_published_runs_total_is_shared_out_whole_within_each_agencys_open_tasks(pairs, total):
    counts = np.array([c for c, _ in pairs])
    caps = np.array([c + extra for c, extra in pairs])
    out = share_out(total, counts, caps)
    assert out.sum() == min(total, caps.sum())
    assert (out >= 0).all() and (out <= caps).all()
    if counts.sum() and total <= counts.sum():  # agencies with no slips in the task-level run get none
        assert (out[counts == 0] == 0).all()
