"""The machine-learning challenger (gradient-boosted discrete-time hazard): it forecasts the bundled sample as its
generator's truth says, handles exports without optional columns and agencies it never saw, keeps the simulator's
promises (seeded, monotone in the deadline, common random numbers for scenarios), learns nothing from the future,
and lets the newest snapshots move its pace."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from forecast.data import schema
from forecast.data.question import ask
from forecast.data.snapshots import from_frame
from forecast.engine.simulate import simulate
from forecast.errors import ForecastError
from forecast.models import make_model
from forecast.models.base import horizon_steps
from forecast.models.boosting import OTHER_AGENCY, BoostingModel, half_sample_deviation, step_hazard
from forecast.models.pace import STILL, Pace, fit_pace
from tests.helpers import DEC4, YEAR_END, write_exports

JAN1 = pd.Timestamp("2026-01-01")


@pytest.fixture(scope="module")
def truth_world(sample_frame):
    """The bundled sample's generator seen up to 4 Dec, and each task's status in the 1 Jan 2026 snapshot."""
    snaps = from_frame(sample_frame.loc[sample_frame["snapshot_date"] <= DEC4])
    after = sample_frame.loc[sample_frame["snapshot_date"] == JAN1].set_index("task_id")[["status", "deadline"]]
    return snaps, after


def slipped(after: pd.DataFrame, ids: pd.Index) -> int:
    """Tasks of ``ids`` still open on 1 Jan 2026 and due by 31 Dec (an extended or reclassified task has left)."""
    at = after.reindex(ids)
    return int((at["status"].isin(schema.OPEN) & (at["deadline"] <= YEAR_END)).sum())


@pytest.fixture(scope="module")
def fitted(truth_world):
    snaps, _ = truth_world
    return BoostingModel().fit(snaps, DEC4), ask(snaps, DEC4, YEAR_END)


def test_registered_and_lazy():
    assert isinstance(make_model("boosting"), BoostingModel)
    code = "import sys, forecast, forecast.models; assert 'sklearn' not in sys.modules, 'sklearn imported'"
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_forecasts_the_bundled_sample_near_its_truth(fitted, truth_world, bundled):
    model, question = fitted
    _, after = truth_world
    assert bundled[1].tasks.index.equals(question.tasks.index)  # the generator is the bundled sample's
    assert len(question.tasks) == 472
    fc = simulate(model, question, 4000, 2025)
    assert fc.totals.min() >= 0 and fc.totals.max() <= 472
    truth = slipped(after, question.tasks.index)
    lo, hi = fc.interval(0.8)
    assert lo <= truth <= hi
    assert hi - lo > 20  # not only each task's coin flip: the fit and the pace are uncertain too


@pytest.mark.xfail(
    strict=True,
    reason="known limitation: the sample's tasks have their own frailty (sd 0.55 of the "
    "log hazard), which no model represents, so the recently overdue tasks (the slow ones) are "
    "forecast to clear far more often than they do (0.64 against 0.86 still open): docs/methods.md, Models",
)
def test_p_slip_ranks_groups_of_tasks_as_the_truth_does(fitted, truth_world):
    """Long overdue, recently overdue, due in December and due in 2026 (asked to 31 Dec all the same): the model's
    mean P(still open on 1 Jan) per group is in the truth's order and near it."""
    model, _ = fitted
    snaps, after = truth_world
    question = ask(snaps, DEC4, "2026-06-30").until(YEAR_END)
    tasks = simulate(model, question, 2000, 1).tasks
    ttd = (tasks["deadline"] - DEC4).dt.days
    groups = pd.cut(ttd, [-10_000, -91, -1, 27, 10_000], labels=["overdue >90d", "overdue", "due Dec", "due 2026"])
    table = (
        pd.DataFrame(
            {"model": tasks["p_slip"], "truth": after["status"].reindex(tasks.index).isin(schema.OPEN), "group": groups}
        )
        .groupby("group", observed=True)
        .mean()
    )
    assert len(table) == 4 and (table.index.value_counts() == 1).all()
    assert list(table["model"].sort_values().index) == list(table["truth"].sort_values().index)
    assert (table["model"] - table["truth"]).abs().max() < 0.12


def test_exports_without_optional_columns(small_frame, tmp_path):
    """A real export with only the required columns (no source, title, assigned date): it fits and forecasts."""
    from forecast import load_snapshots

    bare = small_frame[["snapshot_date", "task_id", "agency", "deadline", "status"]]
    snaps = load_snapshots(write_exports(bare, tmp_path / "bare", dialect="english"))
    model = BoostingModel().fit(snaps, DEC4)
    assert model.sources_ == ("other / unspecified",)
    fc = simulate(model, ask(snaps, DEC4, YEAR_END), 500, 1)
    assert 0 < fc.summary()["mean"] < len(fc.tasks)
    assert fc.tasks["p_slip"].between(0, 1).all() and fc.tasks["p_slip"].nunique() > 5


def test_unseen_and_rare_agencies(fitted):
    model, question = fitted
    assert model.pooled_ and OTHER_AGENCY in model.agencies_  # agencies with few intervals share one level
    tasks = question.tasks.head(40)
    hazards = {}
    for agency in [*model.agencies_[:-1], "Brand-new Agency"]:
        H = model.sampler(tasks.assign(agency=agency), DEC4, YEAR_END).draw(np.random.default_rng(0), 500)
        assert np.isfinite(H).all() and (H >= 0).all()
        hazards[agency] = float(np.mean(H))
    new = hazards.pop("Brand-new Agency")
    assert min(hazards.values()) <= new <= max(hazards.values())  # a typical agency, not an extreme one


def test_a_later_deadline_never_raises_slips(fitted):
    model, question = fitted
    previous = None
    for deadline in pd.date_range(DEC4, "2026-03-31", freq="9D"):
        fc = simulate(model, question.until(deadline), 300, 11)
        if previous is not None:
            assert (fc.totals <= previous).all()  # run by run, not only on average
        previous = fc.totals
    assert previous.mean() < len(question.tasks) * 0.9  # and a quarter more does close tasks


def test_the_deadline_itself_leaves_no_time(fitted):
    model, question = fitted
    assert (simulate(model, question.until(DEC4), 50, 1).totals == len(question.tasks)).all()


def test_same_seed_same_numbers(truth_world, fitted):
    snaps, _ = truth_world
    model, question = fitted
    again = BoostingModel().fit(snaps, DEC4)
    a, b = simulate(model, question, 500, 7), simulate(again, question, 500, 7)
    np.testing.assert_array_equal(a.totals, b.totals)
    np.testing.assert_array_equal(a.tasks["p_slip"], b.tasks["p_slip"])
    assert not np.array_equal(a.totals, simulate(model, question, 500, 8).totals)
    other_halves = BoostingModel(seed=1).fit(snaps, DEC4)
    assert not np.array_equal(a.totals, simulate(other_halves, question, 500, 7).totals)


def test_scenario_rate_above_one_lowers_slips_run_by_run(fitted):
    model, question = fitted
    steps = len(horizon_steps(DEC4, YEAR_END, model.step_days_)[0])
    n = len(question.tasks)
    base = simulate(model, question, 1000, 3)
    same = simulate(model, question, 1000, 3, rate=np.ones((n, steps)))
    np.testing.assert_array_equal(base.totals, same.totals)  # rate 1 is the baseline, draw for draw
    faster = simulate(model, question, 1000, 3, rate=np.full((n, steps), 2.0))
    assert (faster.totals <= base.totals).all()
    assert faster.totals.mean() < base.totals.mean() - 10


def test_no_leakage_a_later_snapshot_does_not_change_the_fit(small_frame):
    cutoff = pd.Timestamp("2025-11-06")
    edited = small_frame.copy()
    later = edited["snapshot_date"] > cutoff
    edited.loc[later & edited["status"].isin(schema.OPEN), "status"] = schema.COMPLETED_LATE
    before, after = (BoostingModel().fit(from_frame(f), cutoff) for f in (small_frame, edited))
    question = ask(from_frame(small_frame), cutoff, YEAR_END)
    np.testing.assert_array_equal(simulate(before, question, 300, 1).totals, simulate(after, question, 300, 1).totals)
    assert before.pace_ == after.pace_
    pd.testing.assert_frame_equal(before.periods_, after.periods_)
    # while at the last date the edit is seen
    assert (
        BoostingModel().fit(from_frame(edited)).periods_["observed"].iloc[-1]
        > BoostingModel().fit(from_frame(small_frame)).periods_["observed"].iloc[-1]
    )


def test_a_push_in_the_last_two_snapshots_moves_the_forecast(truth_world):
    """Thirty extra completions in each of the last two periods (a push nothing before shows): the pace level
    rises and the same open tasks are forecast to slip less."""
    snaps, _ = truth_world
    frame = snaps.frame.drop(columns=["file", "row"])
    dates = snaps.dates
    edited = frame.copy()
    rng = np.random.default_rng(0)
    for t0, t1 in zip(dates[-3:-1], dates[-2:], strict=True):
        pick = rng.choice(sorted(open_ids(edited, t0) & open_ids(edited, t1)), size=30, replace=False)
        edited.loc[edited["task_id"].isin(pick) & (edited["snapshot_date"] >= t1), "status"] = schema.COMPLETED_LATE
    plain, pushed = (BoostingModel().fit(from_frame(f), DEC4) for f in (frame, edited))
    assert pushed.pace_.level > plain.pace_.level + 0.2
    question = ask(from_frame(edited), DEC4, YEAR_END)
    calm, push = (simulate(m, question, 2000, 1).summary()["mean"] for m in (plain, pushed))
    assert push < 0.95 * calm


def open_ids(frame: pd.DataFrame, when: pd.Timestamp) -> set[str]:
    return set(frame.loc[(frame["snapshot_date"] == when) & frame["status"].isin(schema.OPEN), "task_id"])


def test_fit_rejects_hostile_inputs(small_frame):
    first = small_frame.loc[small_frame["snapshot_date"] == small_frame["snapshot_date"].min()]
    with pytest.raises(ForecastError, match="at least two snapshots"):
        BoostingModel().fit(from_frame(first))
    never_done = small_frame.assign(
        status=small_frame["status"].replace(
            {schema.COMPLETED_ON_TIME: schema.IN_PROGRESS, schema.COMPLETED_LATE: schema.OVERDUE}
        )
    )
    with pytest.raises(ForecastError, match="completion"):
        BoostingModel().fit(from_frame(never_done))
    with pytest.raises(ValueError, match="bags"):
        BoostingModel(bags=1)


# --- the maths -----------------------------------------------------------------------------------------------


def test_step_hazard_inverts_the_probability_and_scales_a_short_step():
    h = np.array([0.0, 0.1, 2.0])
    p = -np.expm1(-h)
    np.testing.assert_allclose(step_hazard(p, 1.0), h, atol=1e-12)
    np.testing.assert_allclose(step_hazard(p, 3 / 7), h * 3 / 7, atol=1e-12)
    assert np.isfinite(step_hazard(np.array([1.0]), 1.0)).all()


def test_half_sample_deviation_is_centred_and_scaled():
    h = np.array([[0.1, 0.5], [0.4, 0.5], [0.2, 0.5]])
    d = half_sample_deviation(h)
    np.testing.assert_allclose(np.exp(np.log(d).mean(axis=0)), 1.0)
    np.testing.assert_allclose(d[:, 1], 1.0)  # fits that agree add no spread
    log_h = np.log(h[:, 0])
    np.testing.assert_allclose(np.log(d[:, 0]).std(), log_h.std() * np.sqrt(3 / 4))


def test_pace_of_a_calm_history_is_near_one_and_a_jump_moves_it():
    rng = np.random.default_rng(5)
    expected = np.full(30, 40.0)
    calm = fit_pace(rng.poisson(40, 30), expected, expected * 0.9, np.full(29, 7.0))
    assert abs(calm.level) < 0.15 and calm.tau < 0.1
    observed = rng.poisson(40, 30).astype(float)
    observed[-2:] = rng.poisson(120, 2)
    jumped = fit_pace(observed, expected, expected * 0.9, np.full(29, 7.0))
    assert jumped.level > np.log(2)  # most of the way to log 3 from two periods
    assert fit_pace([3, 4], [3, 4], [2, 2], [7]) is STILL


def test_pace_draws_do_not_depend_on_later_steps():
    pace = Pace(0.1, 0.05, 0.1, 0.05)
    short = pace.draw(np.random.default_rng(1), np.array([7.0, 7.0]), 100)
    long = pace.draw(np.random.default_rng(1), np.array([7.0, 7.0, 3.0]), 100)
    np.testing.assert_array_equal(short, long[:2])
    assert (STILL.draw(np.random.default_rng(1), np.array([7.0]), 10) == 0).all()
