import json

import numpy as np
import pandas as pd
import pytest

from forecast.cli import main
from forecast.cli.text import published_backtest_table
from forecast.data.published import load_published
from forecast.data.question import Provenance
from forecast.engine.published import (
    GRID,
    RHO_GRID,
    TRANSITIONS,
    at_risk,
    posterior,
    published_forecast,
    slip_probabilities,
)
from forecast.evaluation.published_scores import BACKTEST, published_backtest

PUBLISHED = Provenance("published figures", False, "data/published/figures.csv")
SCORE_COLUMNS = {"cutoff", "abs_error", "crps", "covered50", "covered80", "covered90", "pit_lower", "pit_upper"}


@pytest.fixture(scope="module")
def figures():
    return load_published()


def test_at_risk_counts_follow_each_transitions_reading(figures):
    got = [at_risk(figures, t) for t in TRANSITIONS]
    in_progress_aug = (330 + 322) - (90 + 136) - (4 + 30)  # assigned - completed - overdue, Res 71 + conclusions
    assert got[0] == (5, 22)  # June: 5 overdue, the 22 in progress all fall due by 31 Jul
    assert got[1] == (21, 0)
    assert got[2] == (34, round(in_progress_aug * 61 / 125))  # deadlines uniform from 28 Aug to 31 Dec
    assert got[3] == (51, round(in_progress_aug * 37 / 125))  # 28 Oct has no in-progress count: 28 Aug's is used


def test_slip_probabilities_match_a_direct_integration():
    p, c, horizon, early = 0.3, 0.6, 41.0, 10.0
    rate = -np.log(1 - c) / 28
    deadlines_before_end = np.linspace(early, horizon, 200_001)  # days from each deadline to D
    direct = (1 - p) * np.exp(-rate * deadlines_before_end).mean()
    q_due, q_late = slip_probabilities(np.array(p), np.array(c), horizon, early)
    assert float(q_due) == pytest.approx(direct, rel=1e-4)
    assert float(q_late) == pytest.approx((1 - c) ** (horizon / 28))
    # nothing cleared: a task that misses stays missed; everything cleared at once: only the deadline day counts
    assert float(slip_probabilities(np.array(0.2), np.array(1e-12), 30.0, 0.0)[0]) == pytest.approx(0.8)
    assert float(slip_probabilities(np.array(0.2), np.array(1 - 1e-12), 30.0, 0.0)[0]) < 0.05


def _world(p: float, c: float, scale: int, seed: int) -> pd.DataFrame:
    """Published figures of a world where every task follows (p, c) exactly, simulated task by task on the dates
    and scopes of the real reports, ``scale`` times their size."""
    rng = np.random.default_rng(seed)
    rate = -np.log(1 - c) / 28

    def overdue_after(late: int, due: int, horizon: int) -> int:
        stays = rng.random(late) < np.exp(-rate * horizon)
        missed = rng.random(due) > p
        waited = rng.uniform(0, horizon, due)  # days from each deadline to the end
        return int(stays.sum() + (missed & (rng.random(due) < np.exp(-rate * waited))).sum())

    rows = []

    def add(date, scope, metric, value):
        rows.append(
            {
                "date": pd.Timestamp(date),
                "scope": scope,
                "agency": "",
                "metric": metric,
                "value": value,
                "source_url": "test",
                "note": "",
            }
        )

    jun_late, jun_due = 5 * scale, 22 * scale
    jul = overdue_after(jun_late, jun_due, 41)
    aug = overdue_after(jul, 0, 28)
    add("2025-06-20", "res71", "overdue", jun_late)
    add("2025-06-20", "res71", "in_progress", jun_due)
    add("2025-07-31", "res71", "overdue", jul)
    add("2025-08-28", "res71", "overdue", aug)
    concl_late = 30 * scale
    for scope, assigned, done, late in (
        ("res71", 330 * scale, 90 * scale, aug),
        ("conclusions", 322 * scale, 136 * scale, concl_late),
    ):
        add("2025-08-28", scope, "assigned", assigned)
        add("2025-08-28", scope, "completed", done)
        if scope == "conclusions":
            add("2025-08-28", scope, "overdue", late)
    in_progress = (330 + 322 - 90 - 136) * scale - aug - concl_late
    add(
        "2025-10-28", "res71+conclusions", "overdue", overdue_after(aug + concl_late, round(in_progress * 61 / 125), 61)
    )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("p", "c"), [(0.35, 0.5), (0.7, 0.2)])
def test_recovers_the_shares_of_a_world_it_was_not_fitted_to(p, c):
    post, used = posterior(_world(p, c, scale=40, seed=1), "2025-10-28")
    assert len(used) == 3
    p_mean = (post.sum(axis=(0, 2)) * GRID).sum()
    c_mean = (post.sum(axis=(0, 1)) * GRID).sum()
    assert p_mean == pytest.approx(p, abs=0.08) and c_mean == pytest.approx(c, abs=0.08)
    assert post.sum(axis=(1, 2))[RHO_GRID <= 0.05].sum() > 0.5  # consistent reports: little overdispersion


def test_more_tasks_behind_the_same_shares_narrow_the_posterior():
    """Shares are weighted by their counts: with the reports agreeing (the smallest overdispersion), 20 times the
    tasks give about sqrt(20) = 4.5 times less spread. (Over every overdispersion the number of reports, not of
    tasks, limits what three reports can say.)"""

    def spread(scale):
        post, _ = posterior(_world(0.35, 0.5, scale=scale, seed=2), "2025-10-28")
        marginal = post[0].sum(axis=1) / post[0].sum()
        mean = (marginal * GRID).sum()
        return np.sqrt((marginal * (GRID - mean) ** 2).sum())

    assert spread(40) < 0.4 * spread(2)


def test_forecast_shape_bounds_and_seed(figures):
    fc = published_forecast(figures, 4000, 1, PUBLISHED)
    out = fc.to_json()
    assert out["open_tasks"] == 472 and out["by_agency"] == [] and out["model"] == "published"
    assert 0 <= out["slip"]["p10"] <= out["slip"]["p50"] <= out["slip"]["p90"] <= 472
    assert out["as_of"] == "2025-12-04" and len(out["evidence"]) == 3
    assert 0 < out["flows"]["done_by_deadline"]["mean"] < 1 and 0 < out["flows"]["cleared_in_28_days"]["mean"] < 1
    assert (published_forecast(figures, 4000, 1, PUBLISHED).totals == fc.totals).all()
    json.dumps(out)


def test_missing_reports_leave_their_transitions_out(figures):
    without_july = figures.loc[figures["date"] != pd.Timestamp("2025-07-31")]
    fc = published_forecast(without_july, 2000, 1, PUBLISHED)
    assert fc.meta["evidence"] == ["2025-08-28 -> 2025-10-28 res71+conclusions"]
    assert len(published_backtest(without_july, sims=500)) == len(BACKTEST)


def test_backtest_scores_each_published_transition_from_earlier_figures_only(figures):
    frame = published_backtest(figures, sims=1000)
    assert set(frame.columns) >= SCORE_COLUMNS and (frame["model"] == "published").all()
    assert [str(d.date()) for d in frame["cutoff"]] == ["2025-06-20", "2025-08-28", "2025-10-28"]
    assert frame["observed"].tolist() == [4, 51, 104]
    assert frame["evidence"].tolist() == [0, 2, 3]
    assert ((frame["pit_lower"] <= frame["pit_upper"]) & (frame["crps"] >= 0)).all()
    edited = figures.copy()
    last = (edited["date"] == pd.Timestamp("2025-12-04")) & (edited["scope"] == "all") & (edited["metric"] == "overdue")
    edited.loc[last, "value"] = 150
    again = published_backtest(edited, sims=1000)
    assert again["observed"].tolist() == [4, 51, 150]
    pd.testing.assert_series_equal(again["slip_mean"], frame["slip_mean"])  # a later figure moves no forecast


def test_backtest_command_shows_the_transitions(capsys):
    assert main(["backtest", "--json", "--models", "hazard", "--sims", "200", "--horizon", "210"]) == 0
    result = json.loads(capsys.readouterr().out)
    rows = result["published_transitions"]
    assert [r["cutoff"] for r in rows] == ["2025-06-20", "2025-08-28", "2025-10-28"]
    assert set(rows[0]) >= SCORE_COLUMNS
    text = published_backtest_table(published_backtest(load_published(), sims=200))
    assert "Published-figures model on the published transitions" in text and "2025-10-28" in text
    assert "no transition" in published_backtest_table(published_backtest(load_published().iloc[:0], sims=200))
