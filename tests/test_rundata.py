"""The run's shared forecast: computed once, saved and read back; what twice the pace saves; agency page names."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from forecast import paths
from forecast.config.params import Params
from forecast.data.question import SYNTHETIC_WARNING
from forecast.errors import ReportError
from forecast.notebook import banner
from forecast.present import rundata

EXAMPLES = tuple(sorted(paths.SCENARIOS_DIR.glob("*.yaml")))


@pytest.fixture(scope="module")
def run(bundled):
    snaps, _ = bundled
    return rundata.compute(Params(sims=1000, scenarios=EXAMPLES), snaps)


def test_twice_the_pace_never_raises_a_tasks_chance_of_slipping(run):
    tasks = run.early_warning()
    drop = tasks["p_slip"] - tasks["p_slip_at_twice_the_pace"]
    # the same runs at both paces: a task that finishes in a run at its pace finishes at twice it too
    assert (drop >= 0).all()
    # E[exp(-H) - exp(-2H)] is at most 1/4 (at exp(-H) = 1/2); the runs' noise is far below the margin
    assert drop.max() <= 0.25 + 0.02
    # the drop in percentage points of the same runs; no "can still be saved" flag any more (#25)
    assert np.allclose(tasks["points_saved"], drop * 100, atol=0.005)
    assert "can_still_be_saved" not in tasks


def test_the_tasks_savings_add_up_to_each_agencys_and_the_total(run):
    """#25: "can still be saved" counted 413 of 472 tasks while doubling every pace saves ~72 slips. The figure now
    shown is expected slips saved: per task the drop in P(slip), per agency their sum, in all the agencies' sum."""
    tasks, agencies = run.early_warning(), run.by_agency().set_index("agency")
    per_agency = (tasks["points_saved"] / 100).groupby(tasks["agency"].astype(str)).sum()
    saved = agencies.loc[per_agency.index, "slips_saved_at_twice_the_pace"]
    assert np.allclose(per_agency, saved, atol=0.001 * len(tasks))
    total = run.summary()["slips_saved_at_twice_the_pace"]
    assert total == pytest.approx(agencies["slips_saved_at_twice_the_pace"].sum(), abs=0.05)
    assert 30 < total < 0.5 * agencies["slip_mean"].sum()  # a share of the expected slips, not a count of tasks


def test_where_action_pays_lists_mid_range_tasks_not_hopeless_ones(run):
    tasks = run.early_warning()
    top = run.where_action_pays(10)
    assert len(top) == 10 and top["points_saved"].is_monotonic_decreasing
    rest = tasks.loc[~tasks["task_id"].isin(top["task_id"])]
    assert top["points_saved"].min() >= rest["points_saved"].max()
    # the mid-range, where effort changes the outcome: in the year-end blend a task's chance is the two Decembers'
    # mixed (most tasks clear in a year-end push), so a task in the middle of the autumn's range sits lower
    assert top["p_slip"].between(0.1, 0.9).all()
    hopeless = tasks.nlargest(10, "p_slip")  # the old early-warning list's top: long overdue
    assert not set(hopeless["task_id"]) & set(top["task_id"])


def test_by_agency_adds_up_to_the_forecast(run):
    table = run.by_agency()
    assert table["agency"].is_unique
    assert table["open_due"].sum() == len(run.forecast.tasks) == 472
    assert table["slip_mean"].sum() == pytest.approx(run.forecast.summary()["mean"])
    saved = run.forecast.tasks["p_slip"].sum() - run.faster.sum()
    assert table["slips_saved_at_twice_the_pace"].sum() == pytest.approx(saved)
    assert table["slip_mean"].is_monotonic_decreasing
    assert (table["tasks"].sum(), table["completed"].sum()) == (1287, 601)
    assert table["pooled_multiplier"].notna().sum() > 40  # the hazard model's rates


def test_the_summary_is_what_run_json_keeps(run):
    summary = run.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary["tasks"] == {"assigned": 1287, "completed": 601, "open": 508, "overdue": 104, "open_due": 472}
    assert [s["scenario"] for s in summary["scenarios"]] == [r.scenario.name for r in run.comparison.results]
    assert run.record()["headline"] == run.headline and run.headline["open_tasks"] == 472
    summary["tasks"]["assigned"] = 0  # a copy: the run's own figures do not change
    assert run.summary()["tasks"]["assigned"] == 1287


def test_scenario_effects_cover_every_agency_in_every_scenario(run):
    effects = run.scenario_effects
    for result in run.comparison.results:
        rows = effects.loc[effects["scenario"] == result.scenario.name].set_index("agency")
        assert set(result.baseline.agencies) <= set(rows.index)
        assert rows["difference"].sum() == pytest.approx(result.difference.mean())
    finance = effects.loc[effects["agency"] == "Ministry of Finance"].set_index("scenario")
    assert finance.loc["Finance doubles its pace", "difference"] < 0


def test_saved_and_read_back_once_per_process(run, tmp_path):
    rundata.save(run, tmp_path)
    first = rundata.load(tmp_path)
    assert rundata.load(tmp_path) is first  # the agency pages of one kernel share it
    assert np.array_equal(first.forecast.totals, run.forecast.totals) and first.pages == run.pages
    assert rundata.for_notebook(run.params, None, tmp_path) is first
    html = banner(run.params, first).data  # an agency page has no snapshots loaded: the run's facts
    assert SYNTHETIC_WARNING in html and run.facts.fingerprint in html and "data as of 4 Dec 2025" in html


def test_agency_pages_have_distinct_plain_names():
    names = ["Hà Nội", "Ha Noi", "Đà Nẵng", "Bộ Tài chính", "<script>", "Ministry of Finance", "???"]
    pages = rundata.page_names(names)
    assert len(set(pages.values())) == len(names)
    assert pages["Đà Nẵng"] == "agency_da-nang.html" and pages["Bộ Tài chính"] == "agency_bo-tai-chinh.html"
    assert {pages["Ha Noi"], pages["Hà Nội"]} == {"agency_ha-noi.html", "agency_ha-noi-2.html"}
    assert all(
        p.startswith("agency_") and p.endswith(".html") and p[7:-5].replace("-", "").isalnum() for p in pages.values()
    )
    assert rundata.page_names(reversed(names)) == pages  # the same names give the same pages, whatever the order


def test_a_notebook_without_a_run_computes_the_run_data(bundled, tmp_path):
    snaps, _ = bundled
    computed = rundata.for_notebook(Params(sims=200), snaps, "")
    assert computed.previous is None and len(computed.forecast.tasks) == 472
    assert isinstance(computed.forecast.tasks, pd.DataFrame) and computed.comparison.results == ()
    with pytest.raises(ReportError, match=r"\.run-data\.pickle is missing"):  # a run's page never refits silently
        rundata.for_notebook(Params(sims=200), snaps, str(tmp_path))


def test_a_drop_shows_in_points_without_float_noise(run):
    """A drop of 0.1 shows as 10.0 points, whatever the float subtraction rounds to (0.88 - 0.78 is 0.0999... in
    binary)."""
    p = run.forecast.tasks["p_slip"].to_numpy()
    tasks = dataclasses.replace(run, faster=np.maximum(p - 0.1, 0)).early_warning()
    assert ((tasks["points_saved"] == 10.0) | (tasks["p_slip"] < 0.1)).all()
