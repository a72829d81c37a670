"""The scenario charts and their tables. Notebook 04 run as a report, with the example scenarios, is
``tests/test_report_run.py::test_the_scenarios_notebook_reports_the_example_scenarios`` (this week's run of the kit's
notebooks there, one report run serving several tests)."""

from __future__ import annotations

import numpy as np
import pytest

from forecast import paths
from forecast.present import charts, forecast_charts
from forecast.scenarios.compare import Comparison, compare
from forecast.scenarios.levers import load_scenario
from tests.scenario_helpers import PARAMS, fitted

EXAMPLES = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    question, model = fitted()
    return compare(question, model, [load_scenario(p) for p in EXAMPLES], PARAMS)


def _svg_ok(chart) -> str:
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and "<script" not in svg and 'href="http' not in svg
    return svg


def test_distribution_overlay_has_both_series_for_every_scenario_in_file_order(comparison):
    frame = comparison.distributions()
    names = [r.scenario.name for r in comparison.results]
    assert list(frame["scenario"].unique()) == names
    shares = frame.groupby(["scenario", "series"])["share"].sum()
    assert len(shares) == 2 * len(names) and np.allclose(shares, 1.0)
    spec = forecast_charts.scenario_distributions(frame).to_dict()
    assert spec["facet"]["row"]["sort"] == names
    assert spec["spec"]["encoding"]["y"]["stack"] is None  # overlaid, not stacked
    assert spec["spec"]["encoding"]["color"]["scale"]["domain"] == ["baseline", "scenario"]
    svg = _svg_ok(forecast_charts.scenario_distributions(frame))
    assert all(n in svg for n in names)
    ticks = spec["spec"]["encoding"]["x"]["axis"]["values"]  # round numbers, not a tick every 16 (#25)
    step = ticks[1] - ticks[0]
    assert step in (5, 10, 20, 25, 50, 100) and all(t % step == 0 for t in ticks) and 3 <= len(ticks) <= 12


def test_difference_chart_shows_each_scenarios_mean_and_interval(comparison):
    summary = comparison.summary()
    assert summary["scenario"].tolist() == ["baseline", *[r.scenario.name for r in comparison.results]]
    assert (summary["difference_p10"] <= summary["difference"]).all()
    assert (summary["difference"] <= summary["difference_p90"]).all()
    chart = forecast_charts.scenario_differences(summary)
    interval, _, zero = chart.layer
    assert chart.data["scenario"].tolist() == [r.scenario.name for r in comparison.results]  # no baseline row
    assert interval.to_dict()["encoding"]["x2"]["field"] == "difference_p90"
    assert zero.data["x"].tolist() == [0]
    _svg_ok(chart)


def test_agency_delta_chart_shows_only_agencies_that_change(comparison):
    deltas = comparison.agency_differences(top=5)
    assert (deltas.groupby("scenario").size() <= 5).all()
    assert (deltas["difference"].ne(0) | deltas["open_scenario"].ne(deltas["open_baseline"])).all()
    finance = deltas.loc[deltas["scenario"] == "Finance doubles its pace"]
    assert finance["agency"].tolist() == ["Ministry of Finance"]
    spec = forecast_charts.scenario_agency_deltas(deltas).to_dict()
    assert spec["resolve"]["scale"]["y"] == "independent" and len(spec["spec"]["layer"]) == 2
    _svg_ok(forecast_charts.scenario_agency_deltas(deltas))


def test_levers_table_lists_every_lever_in_words(comparison):
    table = comparison.levers()
    assert len(table) == sum(len(r.scenario.levers) + 1 for r in comparison.results)  # + the question
    finance = table.loc[table["scenario"] == "Finance doubles its pace"]
    assert finance["item"].tolist() == ["question", "lever 1"]
    assert finance["text"].tolist()[1] == "Ministry of Finance works ×2 as fast from 2025-12-10"
    assert "deadlines of the 40 earliest-due overdue tasks moved to 2026-03-31" in table["text"].tolist()


def test_charts_of_no_scenarios_render(comparison):
    empty = Comparison(comparison.baseline, ())
    assert len(empty.summary()) == 1 and empty.levers().empty
    for chart in (
        forecast_charts.scenario_distributions(empty.distributions()),
        forecast_charts.scenario_differences(empty.summary()),
        forecast_charts.scenario_agency_deltas(empty.agency_differences()),
    ):
        _svg_ok(chart)
