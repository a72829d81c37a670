"""The charts of notebooks 02, 03 and 05: built from the kit's own frames, rendered offline."""

import numpy as np
import pandas as pd
import pytest

from forecast.combine import compare_models
from forecast.config.params import Params
from forecast.engine.predict import fit
from forecast.engine.simulate import simulate, still_open_path
from forecast.evaluation.backtest import run_backtest
from forecast.models import MODELS, exposure
from forecast.models.hazard import HazardModel
from forecast.present import charts, forecast_charts
from forecast.present.tables import at_risk, kaplan_meier, open_due_history


@pytest.fixture(scope="module")
def fitted(bundled):
    snaps, _ = bundled
    params = Params(model="hazard", sims=500)
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
    every = charts.agency_rates(model.agency_table())
    assert len(_data(every)) == len(model.agency_table()) and "all " in every.to_dict()["title"]
    chart = charts.agency_rates(model.agency_table(), top=10)
    rows = _data(chart)
    assert len(rows) == 10 and f"10 of {len(model.agency_table())} agencies" in chart.to_dict()["title"]
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
    assert set(_data(calendar)["term"]) == {"milestone in 0-6d", "milestone in 7-13d"}
    assert "milestone in 0-6d" in _svg(calendar)
    pace = charts.pace(model.pace())
    assert len(_data(pace)) == len(model.periods_) and "<path" in _svg(pace)
    km = kaplan_meier(snaps, question.as_of)
    assert km["at_risk"].min() >= 5  # every curve stops before fewer than 5 tasks remain at risk
    curves = charts.survival_curves(km, top=3)
    rows = curves.data
    assert rows["group"].nunique() == 4 and "All tasks" in set(rows["group"])
    assert rows["curve"].str.contains(r"\(\d[\d,]* tasks\)").all()  # labelled with their tasks
    spec = curves.to_dict()
    assert {layer["mark"]["type"] for layer in spec["layer"]} == {"area", "line"}  # the 95 % band and the curve
    _svg(curves)
    table = at_risk(km)
    assert table["day 0"].notna().all() and (table.drop(columns="curve").fillna(99) >= 5).all().all()


def test_fan_starts_with_every_open_task_and_narrows_to_the_forecast(fitted):
    snaps, params, question, model, result = fitted
    over_time = still_open_path(model, question, params.sims, params.seed)
    assert over_time["date"].iloc[0] == question.as_of and over_time["date"].iloc[-1] == question.deadline
    assert over_time["mean"].iloc[0] == len(question.tasks)
    assert over_time["mean"].is_monotonic_decreasing
    assert over_time["mean"].iloc[-1] == pytest.approx(result.summary()["mean"])
    history = open_due_history(snaps, question.as_of, question.deadline)
    assert history["date"].iloc[-1] == question.as_of and history["open"].iloc[-1] == len(question.tasks)
    chart = forecast_charts.fan(over_time, history)
    path = chart.layer[1].data
    assert set(path["series"]) == {"observed at each snapshot", "forecast (P10–P90 band)"}
    assert path["date"].is_monotonic_increasing or path.sort_values("date")["series"].iloc[0].startswith("observed")
    svg = _svg(chart)
    assert "Dec 2025" in svg and "2025-12" not in svg  # one date format on the axis


def test_agency_slips_and_model_comparison(fitted):
    snaps, params, _, _, result = fitted
    pages = {a: f"agency_{i}.html" for i, a in enumerate(result.agencies)}
    chart = forecast_charts.agency_slips(result.by_agency(), top=12, pages=pages)
    assert chart.layer[1].data["agency"].tolist() == result.by_agency()["agency"].head(12).tolist()
    svg = _svg(chart)
    assert svg.count('href="agency_') >= 12  # each agency's bar links to its page
    assert "the 12 with most, of the 44 agencies with open tasks" in chart.to_dict()["title"]  # how many of what
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


def test_time_and_count_axes_tick_where_a_reader_looks():
    """#25: the convergence chart ticked every 4 days against weekly points; the distribution every 16 slips."""
    dates = pd.date_range("2025-10-30", periods=6, freq="7D")
    by_date = pd.DataFrame({"as_of": dates, "open_tasks": 500, "mean": 300.0, "p10": 250, "p90": 350})
    axis = forecast_charts.convergence(by_date).to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert [(v["year"], v["month"], v["date"]) for v in axis["values"]] == [(d.year, d.month, d.day) for d in dates]
    svg = _svg(forecast_charts.convergence(by_date))
    assert all(f">{d:%-d %b %Y}<" in svg for d in dates)  # a label at each weekly point, and no other
    draws = np.random.default_rng(1).binomial(160, 0.3, 5000)
    chart = forecast_charts.agency_distribution(draws, "A").to_dict()
    ticks = chart["encoding"]["x"]["axis"]["values"]
    step = ticks[1] - ticks[0]
    assert step in (1, 2, 5, 10, 20, 25) and all(t % step == 0 for t in ticks) and len(ticks) <= 12
