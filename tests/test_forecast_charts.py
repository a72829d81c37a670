"""The charts of notebooks 02, 03 and 05: built from the kit's own frames, rendered offline."""

import numpy as np
import pandas as pd
import pytest

from forecast import charts
from forecast.backtest import run_backtest
from forecast.combine import compare_models
from forecast.models import MODELS, exposure
from forecast.models.hazard import HazardModel
from forecast.params import Params
from forecast.predict import fit
from forecast.simulate import simulate, still_open_path
from forecast.tables import kaplan_meier


@pytest.fixture(scope="module")
def fitted(bundled):
    snaps, _ = bundled
    params = Params(sims=500)
    question, model = fit(params, snaps)
    return snaps, params, question, model, simulate(model, question, params.sims, params.seed)


def _data(chart, layer=0):
    """A layered chart's rows: on the layer, or hoisted to the top when the layers share them."""
    own = chart.layer[layer].data
    return own if isinstance(own, pd.DataFrame) else chart.data


def _svg(chart):
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and "<script" not in svg
    return svg


def test_agency_rates_band_is_multiplicative(fitted):
    _, _, _, model, _ = fitted
    chart = charts.agency_rates(model.agency_table(), top=10)
    rows = _data(chart)
    assert len(rows) == 10
    ratio_low = rows["pooled_multiplier"] / rows["low"]
    ratio_high = rows["high"] / rows["pooled_multiplier"]
    inside = (rows["low"] > 0.05) & (rows["high"] < 20)
    assert np.allclose(ratio_low[inside], ratio_high[inside])  # symmetric on the log scale
    assert "Ministry of Finance" in _svg(chart)


def test_deadline_effect_and_survival_curves(fitted):
    snaps, _, question, model, _ = fitted
    coefficients = model.coefficients()
    effect = charts.deadline_effect(coefficients)
    assert set(_data(effect)["term"]) == set(exposure.TTD_LABELS) - {"due >90d"}
    _svg(effect)
    calendar = charts.calendar_effects(coefficients)
    assert set(_data(calendar)["term"]) == {"milestone in 0-6d", "milestone in 7-13d", "year-end window"}
    assert "year-end window" in _svg(calendar)
    pace = charts.pace(model.pace())
    assert len(_data(pace)) == len(model.periods_) and "<path" in _svg(pace)
    km = kaplan_meier(snaps, question.as_of)
    curves = charts.survival_curves(km, top=3)
    assert curves.data["group"].nunique() == 4 and "All tasks" in set(curves.data["group"])
    _svg(curves)


def test_fan_starts_with_every_open_task_and_narrows_to_the_forecast(fitted):
    _, params, question, model, result = fitted
    over_time = still_open_path(model, question, params.sims, params.seed)
    assert over_time["date"].iloc[0] == question.as_of and over_time["date"].iloc[-1] == question.deadline
    assert over_time["mean"].iloc[0] == len(question.tasks)
    assert over_time["mean"].is_monotonic_decreasing
    assert over_time["mean"].iloc[-1] == pytest.approx(result.summary()["mean"])
    _svg(charts.fan(over_time))


def test_agency_slips_and_model_comparison(fitted):
    snaps, params, _, _, result = fitted
    chart = charts.agency_slips(result.by_agency(), top=12)
    assert _data(chart)["agency"].tolist() == result.by_agency()["agency"].head(12).tolist()
    _svg(chart)
    models = compare_models(params, snaps)
    assert models["model"].tolist() == [*MODELS, "published"]
    assert (models["open_tasks"] == 472).all()
    _svg(charts.model_comparison(models))


def test_backtest_charts(bundled):
    snaps, _ = bundled
    bt = run_backtest(snaps.until("2025-09-04"), 14, models=["hazard"], sims=200)
    _svg(charts.backtest_scores(bt.frame))
    reliability = charts.reliability_chart(bt.reliability("hazard"))
    assert _data(reliability, 1)["tasks"].gt(0).all()
    _svg(reliability)
    pit = charts.pit_chart(bt.pit("hazard"))
    assert _data(pit)["share"].sum() == pytest.approx(1.0)
    _svg(pit)


def test_model_table_for_the_notebook(bundled):
    snaps, _ = bundled
    table = HazardModel().fit(snaps).agency_table()
    assert isinstance(table, pd.DataFrame) and {"raw_multiplier", "pooled_multiplier"} <= set(table.columns)
