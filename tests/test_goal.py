"""Goal-seek: the multiplier found is checked by re-simulating through the scenario machinery."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from forecast.cli import main
from forecast.errors import ForecastError, ParamsError
from forecast.scenarios.compare import run_baseline
from forecast.scenarios.goal import seek
from tests.scenario_helpers import FINANCE, PARAMS, blended, fitted, p_at_most, run

PROBABILITY = 0.8


def resimulated(multiplier: float, agencies="all") -> np.ndarray:
    """Per-run slips with every (or the listed agencies') rate times ``multiplier``, via a scenario file's lever."""
    lever = {"lever": "rate_multiplier", "multiplier": multiplier, "agency": agencies}
    return run(lever).forecast.totals


@pytest.fixture(scope="module")
def overall():
    question, model = fitted()
    return seek(question, model, PARAMS, target_slips=280, probability=PROBABILITY)


def test_the_multiplier_found_meets_the_target_and_one_hundredth_less_does_not(overall):
    assert overall.reachable and 1 < overall.multiplier < 20
    assert overall.multiplier_below == pytest.approx(overall.multiplier - 0.01)
    at, below = resimulated(overall.multiplier), resimulated(overall.multiplier_below)
    assert p_at_most(at, 280) >= PROBABILITY > p_at_most(below, 280)
    assert p_at_most(at, 280) == overall.probability_at and p_at_most(below, 280) == overall.probability_below
    assert overall.baseline_probability < PROBABILITY
    assert (overall.forecast.totals == at).all()
    assert overall.evaluations <= 14  # bisection, not a scan


def test_under_the_year_end_blend_the_multiplier_found_meets_the_target():
    """The blend's slips are bimodal (a year-end push clears most; an autumn December leaves most): a target between
    the modes is met only by speeding up the autumn runs, and the multiplier found meets it when re-simulated."""
    question, model = blended()
    goal = seek(question, model, PARAMS, target_slips=150, probability=0.9)
    assert goal.reachable and 1 < goal.multiplier < 20
    assert goal.baseline_probability < 0.9 <= goal.probability_at
    assert p_at_most(goal.forecast.totals, 150) == goal.probability_at >= 0.9


def test_probability_never_falls_as_the_multiplier_rises():
    runs = [resimulated(m) for m in (0.5, 1.0, 1.3, 2.0, 5.0)]
    for slow, fast in itertools.pairwise(runs):
        assert (fast <= slow).all()
    probabilities = [p_at_most(r, 280) for r in runs]
    assert probabilities == sorted(probabilities)


def test_listed_agencies_only():
    question, model = fitted()
    goal = seek(
        question,
        model,
        PARAMS,
        target_slips=340,
        probability=PROBABILITY,
        agencies=[FINANCE, "Ministry of Public Security"],
    )
    assert goal.reachable and goal.agencies == (FINANCE, "Ministry of Public Security")
    listed = [FINANCE, "Ministry of Public Security"]
    assert p_at_most(resimulated(goal.multiplier, listed), 340) >= PROBABILITY
    assert p_at_most(resimulated(goal.multiplier_below, listed), 340) < PROBABILITY
    assert set(goal.ranking["agency"]) == set(listed)


def test_not_reachable_when_the_listed_agencies_hold_too_few_tasks():
    question, model = fitted()
    goal = seek(question, model, PARAMS, target_slips=250, agencies=["Son La"])
    assert not goal.reachable and goal.multiplier is None and goal.accelerated_open == 2
    assert goal.ceiling_probability < PROBABILITY
    assert goal.message().startswith("Not reachable") and "even if Son La finished all 2" in goal.message()
    assert goal.to_json()["reachable"] is False and goal.to_json()["multiplier"] is None


def test_not_reachable_within_the_cap():
    question, model = fitted()
    goal = seek(question, model, PARAMS, target_slips=150, cap=1.5)
    assert not goal.reachable and goal.ceiling_probability == 1.0
    assert p_at_most(resimulated(1.5), 150) < PROBABILITY
    assert "needs more than ×1.5" in goal.message() and goal.ranking_multiplier == 1.5


def test_a_target_met_at_the_current_pace_reports_the_slack():
    question, model = fitted()
    target = int(np.quantile(run_baseline(question, model, PARAMS).totals, 0.95))  # met at the current pace
    goal = seek(question, model, PARAMS, target_slips=target)
    assert goal.reachable and goal.multiplier < 1 and goal.baseline_probability >= PROBABILITY
    assert (
        p_at_most(resimulated(goal.multiplier), target)
        >= PROBABILITY
        > p_at_most(resimulated(goal.multiplier_below), target)
    )
    assert goal.message().startswith("Already met") and goal.ranking_multiplier == 2.0
    everything = seek(question, model, PARAMS, target_slips=len(question.tasks))
    assert everything.multiplier == 0 and everything.multiplier_below is None


def test_the_ranking_is_exactly_each_agency_accelerated_alone(overall):
    ranking = overall.ranking
    assert ranking["slips_saved"].is_monotonic_decreasing and (ranking["slips_saved"] >= 0).all()
    question, _ = fitted()
    assert len(ranking) == question.tasks["agency"].nunique()
    for agency in ranking["agency"].head(2):
        alone = run({"lever": "rate_multiplier", "multiplier": overall.multiplier, "agency": agency})
        row = ranking.set_index("agency").loc[agency]
        assert -alone.difference.mean() == pytest.approx(row["slips_saved"])
        assert p_at_most(alone.forecast.totals, 280) == pytest.approx(row["p_target_alone"])


def test_bad_goals_are_errors():
    question, model = fitted()
    with pytest.raises(ParamsError, match=r"'Ministry of Finanse' is not an agency.*did you mean 'Ministry of Fin"):
        seek(question, model, PARAMS, 250, agencies=["Ministry of Finanse"])
    with pytest.raises(ForecastError, match=r"Ca Mau hold\(s\) no open task"):
        seek(question, model, PARAMS, 250, agencies=["Ca Mau"])
    with pytest.raises(ForecastError, match="probability must be between 0 and 1"):
        seek(question, model, PARAMS, 250, probability=1.0)
    with pytest.raises(ForecastError, match="names no agency"):
        seek(question, model, PARAMS, 250, agencies=[])
    with pytest.raises(ForecastError, match="cap must be greater than 1"):
        seek(question, model, PARAMS, 250, cap=1)


def test_goal_command_json(capsys):
    code = main(
        [
            "goal",
            "--target-slips",
            "280",
            "--agencies",
            "Ministry of Finance,Ministry of Culture, Sports and Tourism",
            "--sims",
            "300",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agencies"] == [FINANCE, "Ministry of Culture, Sports and Tourism"]
    assert out["target"] == {"slips": 280, "probability": 0.8} and out["sims"] == 300
    assert {
        "reachable",
        "multiplier",
        "probability_at_multiplier",
        "multiplier_below",
        "probability_below",
        "baseline_probability",
        "ceiling_probability",
        "cap",
        "slip",
        "ranking",
        "ranking_multiplier",
        "message",
        "synthetic",
    } <= set(out)
    assert {r["agency"] for r in out["ranking"]} == set(out["agencies"])


def test_goal_command_table_and_errors(capsys):
    assert main(["goal", "--target-slips", "250", "--agencies", "Son La", "--sims", "200"]) == 0
    out = capsys.readouterr().out
    assert "Not reachable" in out and "SYNTHETIC" in out
    assert main(["goal", "--target-slips", "250", "--agencies", "Ministry of Finanse", "--sims", "200"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'Ministry of Finance'" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_:
        main(["goal", "--target-slips", "250", "--probability", "1.5"])
    assert exit_.value.code == 2
