"""Scenario files, levers and the common-random-number comparison with the baseline."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast import paths
from forecast.cli import main
from forecast.config.params import load_params
from forecast.engine.predict import forecast
from forecast.errors import ParamsError
from forecast.scenarios.apply import Names, apply_scenario
from forecast.scenarios.compare import compare, compare_scenarios
from forecast.scenarios.levers import (
    DeadlineExtension,
    HolidaySlowdown,
    NewTasks,
    RateMultiplier,
    load_scenario,
    parse_scenario,
)
from tests.scenario_helpers import FINANCE, PARAMS, blended, fitted, run, scenario

EXAMPLES = sorted(paths.SCENARIOS_DIR.glob("*.yaml"))
JUSTICE = "Ministry of Justice"


def rate(multiplier, agency="all", **extra):
    return {"lever": "rate_multiplier", "multiplier": multiplier, "agency": agency, **extra}


# --- the example files ---------------------------------------------------------------------------------------------


def test_three_example_scenarios_ship_and_are_in_the_baseline_params():
    assert len(EXAMPLES) == 3
    assert sorted(load_params(paths.PARAMS_DIR / "baseline.yaml").scenarios) == EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_scenarios_validate_and_apply_without_warnings(path):
    s = load_scenario(path)
    assert s.name and len(s.description) > 40 and s.file == path
    question, model = fitted()
    applied = apply_scenario(s, question, model.step_days_)
    assert applied.warnings == ()
    assert (
        not (applied.changed.rate == 1).all()
        or not applied.changed.active.all()
        or len(applied.changed.tasks) != len(question.tasks)
    )


def test_the_file_format_parses_into_typed_levers():
    s = load_scenario(paths.SCENARIOS_DIR / "holiday_and_new_tasks.yaml")
    holiday, *new = s.levers
    assert holiday == HolidaySlowdown("levers[1]", 0.5, date(2025, 12, 24), date(2025, 12, 31))
    assert all(isinstance(n, NewTasks) and n.count == 10 and n.arrive == date(2025, 12, 15) for n in new)
    fin = load_scenario(paths.SCENARIOS_DIR / "finance_doubles_pace.yaml").levers[0]
    assert fin == RateMultiplier("levers[1]", 2.0, (FINANCE,), date(2025, 12, 10))
    ext = load_scenario(paths.SCENARIOS_DIR / "overdue_moved_to_2026.yaml").levers[0]
    assert isinstance(ext, DeadlineExtension) and ext.select.count == 40 and ext.to == date(2026, 3, 31)
    # planners may write dates day first, and one name where a list is allowed
    s = parse_scenario({"name": "x", "levers": [rate(1.5, FINANCE, **{"from": "10/12/2025"})]})
    assert s.levers[0].start == date(2025, 12, 10) and s.levers[0].agencies == (FINANCE,)


# --- validation: errors name the key and the value ------------------------------------------------------------------

BAD_FILES = [
    ({"levers": [rate(2)]}, "'name'", "None"),
    ({"name": "x", "levers": []}, "'levers'", "at least one lever"),
    ({"name": "x", "levers": [rate(-1)]}, "'levers[1].multiplier'", "-1 must be a number greater than 0"),
    ({"name": "x", "levers": [rate(0)]}, "'levers[1].multiplier'", "0 must be"),
    ({"name": "x", "levers": [rate(2), rate("fast")]}, "'levers[2].multiplier'", "'fast'"),
    ({"name": "x", "levers": [{"lever": "speed_up", "multiplier": 2}]}, "'levers[1].lever'", "'speed_up'"),
    ({"name": "x", "levers": [{**rate(2), "multipler": 3}]}, "'levers[1].multipler'", "unknown setting"),
    ({"name": "x", "levers": [rate(2, **{"from": "2025-13-01"})]}, "'levers[1].from'", "'2025-13-01' is not a date"),
    (
        {
            "name": "x",
            "levers": [{"lever": "holiday_slowdown", "multiplier": 0.5, "from": "2025-12-24", "to": "2025-12-20"}],
        },
        "'levers[1].to'",
        "2025-12-20 is before",
    ),
    (
        {"name": "x", "levers": [{"lever": "deadline_extension", "agency": "all", "by_days": 5, "to": "2026-01-31"}]},
        "'levers[1]'",
        "exactly one of by_days",
    ),
    ({"name": "x", "levers": [{"lever": "drop", "count": 3}]}, "'levers[1]'", "says no tasks"),
    ({"name": "x", "levers": [{"lever": "drop", "status": "done"}]}, "'levers[1].status'", "'done'"),
    (
        {"name": "x", "levers": [{"lever": "new_tasks", "count": 0, "agency": FINANCE, "deadline": "2025-12-31"}]},
        "'levers[1].count'",
        "0 must be a whole number",
    ),
    ({"name": "x", "levers": [{"lever": "transfer", "agency": FINANCE}]}, "'levers[1].to_agency'", "is required"),
    ({"name": "x", "levers": [rate(2, [FINANCE, "all"])]}, "'levers[1].agency'", "`all` cannot be combined"),
]


@pytest.mark.parametrize(("data", "key", "text"), BAD_FILES)
def test_bad_scenarios_are_errors_naming_the_key_and_value(data, key, text):
    with pytest.raises(ParamsError) as err:
        parse_scenario(data, file="bad.yaml")
    assert key in str(err.value) and text in str(err.value) and str(err.value).startswith("bad.yaml: ")


BAD_AGAINST_DATA = [
    (rate(2, "Ministry of Finanse"), "'levers[1].agency'", "did you mean 'Ministry of Finance'"),
    (rate(2, "Finance"), "'levers[1].agency'", "'Finance' is not an agency"),
    ({"lever": "drop", "tasks": ["R57-000001", "NOPE-1"]}, "'levers[1].tasks'", "'NOPE-1' not in the open set"),
    ({"lever": "drop", "source": "Resolution 72"}, "'levers[1].source'", "'Resolution 72' is not a source"),
    (rate(2, FINANCE, **{"from": "2026-12-10"}), "'levers[1].from'", "after the forecast deadline 2025-12-31"),
    (
        {"lever": "transfer", "agency": FINANCE, "to_agency": "Ministry of Magic"},
        "'levers[1].to_agency'",
        "'Ministry of Magic' is not an agency",
    ),
    (
        {"lever": "transfer", "agency": FINANCE, "to_agency": JUSTICE, "new_agency": True},
        "'levers[1].to_agency'",
        "is an agency in the snapshots",
    ),
    (
        {"lever": "new_tasks", "count": 3, "agency": FINANCE, "deadline": "2026-01-15"},
        "'levers[1].deadline'",
        "2026-01-15 must be between",
    ),
    (
        {"lever": "new_tasks", "count": 3, "agency": FINANCE, "deadline": "2025-12-20", "arrive": "2025-12-22"},
        "'levers[1].arrive'",
        "after the tasks' deadline",
    ),
    (
        {"lever": "deadline_extension", "agency": FINANCE, "to": "2025-12-20"},
        "'levers[1].to'",
        "cannot bring a deadline forward",
    ),
]


@pytest.mark.parametrize(("lever", "key", "text"), BAD_AGAINST_DATA)
def test_names_ids_and_dates_are_checked_against_the_data(lever, key, text):
    question, model = fitted()
    s = parse_scenario({"name": "x", "levers": [lever]}, file="s.yaml")
    with pytest.raises(ParamsError) as err:
        apply_scenario(s, question, model.step_days_)
    assert key in str(err.value) and text in str(err.value)


def test_a_task_dropped_earlier_cannot_be_picked_again():
    question, model = fitted()
    task = question.tasks.index[0]
    s = scenario({"lever": "drop", "tasks": [task]}, {"lever": "transfer", "tasks": [task], "to_agency": JUSTICE})
    with pytest.raises(ParamsError, match=r"'levers\[2\].tasks'.*already left the open set"):
        apply_scenario(s, question, model.step_days_)


def test_agency_names_ignore_case_and_spacing_and_lists_may_hold_commas():
    names = Names(["Ministry of Finance", "Ministry of Culture, Sports and Tourism", "Ha Noi"], "an agency")
    assert names.resolve("  ministry of   FINANCE ", "k") == "Ministry of Finance"
    assert names.split("Ha Noi, Ministry of Culture, Sports and Tourism,ministry of finance", "k") == (
        "Ha Noi",
        "Ministry of Culture, Sports and Tourism",
        "Ministry of Finance",
    )
    with pytest.raises(ParamsError, match=r"'Ha Nol' is not an agency.*did you mean 'Ha Noi'"):
        names.split("Ha Nol", "--agencies")


def test_levers_that_change_nothing_warn():
    result = run(
        {"lever": "drop", "agency": FINANCE, "status": "overdue", "source": "Plan 02-KH/BCĐTW", "count": 5},
        {"lever": "holiday_slowdown", "multiplier": 0.5, "from": "2025-11-01", "to": "2025-11-05"},
    )
    text = " ".join(map(str, result.warnings))
    assert "levers[1]: count 5 but only 1 open task(s) match" in text
    assert "levers[2]: 2025-11-01 to 2025-11-05 is before" in text


# --- the rate matrix -------------------------------------------------------------------------------------------------


def test_partial_steps_weight_each_lever_by_its_days():
    """Steps from 4 Dec are the days 5-11, 12-18, 19-25 and 26-31 Dec; each gets the mean of its days' products."""
    question, model = fitted()
    assert model.step_days_ == 7
    s = scenario(
        rate(3, FINANCE, **{"from": "2025-12-24"}),
        {"lever": "holiday_slowdown", "multiplier": 0.5, "from": "2025-12-20", "to": "2025-12-22"},
        rate(2, FINANCE, **{"from": "2025-12-10"}),
        {"lever": "new_tasks", "count": 2, "agency": JUSTICE, "deadline": "2025-12-31", "arrive": "2025-12-15"},
    )
    applied = apply_scenario(s, question, 7)
    r, tasks = applied.changed.rate, applied.changed.tasks
    finance = (tasks["agency"] == FINANCE).to_numpy()
    other = ~finance & ~tasks.index.str.startswith("NEW")
    # Finance: x2 from 10 Dec (2 of 7 days in step 1), holiday 20-22 Dec, then x2*x3 on 24-25 Dec and after
    assert np.allclose(r[finance], [(5 + 2 * 2) / 7, 2, (2 + 3 * 2 * 0.5 + 2 + 2 * 6) / 7, 6])
    assert np.allclose(r[other], [1, 1, (4 + 3 * 0.5) / 7, 1])
    # new tasks open from 15 Dec: 4 of the 7 days of the second step
    assert np.allclose(r[-2:], [0, 4 / 7, (4 + 3 * 0.5) / 7, 1])
    assert (applied.baseline.rate == 1).all() and not applied.baseline.active[-2:].any()


# --- common random numbers and monotonicity --------------------------------------------------------------------------


def test_a_scenario_that_changes_nothing_matches_the_baseline_in_every_run():
    question, model = blended()
    comparison = compare(question, model, [scenario(rate(1.0))], PARAMS)
    result = comparison.results[0]
    assert (result.difference == 0).all()
    assert (result.baseline.totals == comparison.baseline.totals).all()
    assert (forecast(PARAMS).totals == comparison.baseline.totals).all()  # the baseline is predict's forecast


def test_each_distinct_input_is_simulated_once():
    """A scenario that adds no rows has the baseline as its own baseline: simulated once, not once per scenario; one
    that adds tasks has a baseline of its own (its rows, the new ones switched off)."""
    question, model = fitted()
    added = {"lever": "new_tasks", "count": 5, "agency": JUSTICE, "deadline": "2025-12-31"}
    comparison = compare(
        question, model, [scenario(rate(2.0), name="a"), scenario(rate(3.0), name="b"), scenario(added)], PARAMS
    )
    a, b, more = comparison.results
    assert a.baseline is comparison.baseline and b.baseline is comparison.baseline
    assert more.baseline is not comparison.baseline and len(more.forecast.tasks) == len(question.tasks) + 5
    alone = compare(question, model, [scenario(rate(3.0), name="b")], PARAMS).results[0]
    assert (alone.forecast.totals == b.forecast.totals).all() and (alone.difference == b.difference).all()


@settings(max_examples=12, deadline=None)
@given(
    st.floats(0.2, 5),
    st.floats(1.01, 4),
    st.sampled_from(["all", FINANCE, "Government Office"]),
    st.sampled_from([None, "2025-12-10", "2025-12-29"]),
)
@pytest.mark.slow
def test_a_higher_multiplier_never_gives_more_slips_in_any_run(low, factor, agency, start):
    extra = {"from": start} if start else {}
    slow, fast = run(rate(low, agency, **extra)), run(rate(low * factor, agency, **extra))
    assert (fast.forecast.totals <= slow.forecast.totals).all()
    assert fast.forecast.summary()["mean"] <= slow.forecast.summary()["mean"]
    if low >= 1:
        assert (slow.difference <= 0).all()


def test_an_extension_out_of_the_window_switches_tasks_off_and_never_adds_a_slip():
    result = run({"lever": "deadline_extension", "status": "overdue", "count": 40, "to": "2026-03-31"})
    assert len(result.forecast.tasks) == len(result.baseline.tasks) - 40
    assert (result.difference <= 0).all() and result.difference.mean() < -20
    question, _ = fitted()
    moved = set(question.tasks.index) - set(result.forecast.tasks.index)
    longest_overdue = question.tasks.loc[question.tasks["status"] == "overdue"].sort_values(["deadline"]).index[:40]
    assert moved <= set(question.tasks.index[question.tasks["status"] == "overdue"])
    assert question.tasks.loc[list(moved), "deadline"].max() <= question.tasks.loc[longest_overdue, "deadline"].max()


def test_an_extension_inside_the_window_moves_deadlines_and_reopens_overdue_tasks():
    question, model = fitted()
    overdue = question.tasks.index[question.tasks["status"] == "overdue"][:5]
    applied = apply_scenario(
        scenario({"lever": "deadline_extension", "tasks": list(overdue), "to": "2025-12-20"}),
        question,
        model.step_days_,
    )
    tasks = applied.changed.tasks
    assert (tasks.loc[overdue, "deadline"] == "2025-12-20").all()
    assert (tasks.loc[overdue, "status"] == "in_progress").all()
    assert applied.changed.active.all()
    by_days = apply_scenario(
        scenario({"lever": "deadline_extension", "tasks": list(overdue), "by_days": 10}), question, model.step_days_
    ).changed.tasks
    assert (by_days.loc[overdue, "deadline"] - question.tasks.loc[overdue, "deadline"]).dt.days.eq(10).all()


def test_a_transfer_conserves_the_tasks_and_they_take_the_receiving_agencys_rate():
    # the rate lever comes first in the file, yet applies to the tasks transferred after it
    result = run(rate(1000, JUSTICE), {"lever": "transfer", "agency": FINANCE, "to_agency": JUSTICE})
    base, scen = result.baseline.by_agency().set_index("agency"), result.forecast.by_agency().set_index("agency")
    assert len(result.forecast.tasks) == len(result.baseline.tasks)
    assert scen["open"].sum() == base["open"].sum() and FINANCE not in scen.index
    assert scen.loc[JUSTICE, "open"] == base.loc[JUSTICE, "open"] + base.loc[FINANCE, "open"]
    moved = result.forecast.tasks.loc[result.baseline.tasks.index[result.baseline.tasks["agency"] == FINANCE]]
    assert moved["p_slip"].max() < 0.01  # Justice x1000 finishes them
    others = result.baseline.tasks["agency"].ne(FINANCE) & result.baseline.tasks["agency"].ne(JUSTICE)
    assert (
        result.forecast.tasks.loc[others[others].index, "p_slip"]
        == result.baseline.tasks.loc[others[others].index, "p_slip"]
    ).all()


def test_a_transfer_to_a_new_agency_draws_its_rate_from_the_prior():
    result = run(
        {"lever": "transfer", "agency": FINANCE, "count": 10, "to_agency": "Digital Task Force", "new_agency": True}
    )
    assert result.forecast.by_agency().set_index("agency").loc["Digital Task Force", "open"] == 10
    assert len(result.forecast.tasks) == len(result.baseline.tasks)


def test_drop_and_new_tasks_change_the_open_count():
    question, _ = fitted()
    health = int((question.tasks["agency"] == "Ministry of Health").sum())
    dropped = run({"lever": "drop", "agency": "Ministry of Health"})
    assert len(dropped.forecast.tasks) == len(question.tasks) - health
    assert (dropped.difference <= 0).all()
    added = run(
        {"lever": "new_tasks", "count": 30, "agency": JUSTICE, "deadline": "2025-12-31", "arrive": "2025-12-15"}
    )
    assert len(added.forecast.tasks) == len(question.tasks) + 30
    new = added.forecast.tasks.index[len(question.tasks) :]
    assert (added.difference >= 0).all() and 0 < added.difference.mean() < 30
    assert added.forecast.tasks.loc[new, "p_slip"].sum() == pytest.approx(added.difference.mean())  # only they changed
    early = run({"lever": "new_tasks", "count": 30, "agency": JUSTICE, "deadline": "2025-12-31"})
    assert (early.difference <= added.difference).all()  # open from 4 Dec instead of 15 Dec: never more slips
    assert early.difference.mean() < added.difference.mean()
    assert list(added.forecast.tasks.index[: len(question.tasks)]) == list(question.tasks.index)  # appended at the end
    assert added.forecast.tasks.index[-1] == "NEW1-030"


def test_levers_combine_and_per_agency_differences_add_up():
    result = run(
        rate(2, FINANCE),
        {"lever": "drop", "agency": "Ministry of Health"},
        {"lever": "new_tasks", "count": 5, "agency": JUSTICE, "deadline": "2025-12-31"},
    )
    agencies = result.agency_differences()
    assert np.isclose(agencies["difference"].sum(), result.difference.mean())
    row = agencies.set_index("agency")
    assert row.loc["Ministry of Health", "open_scenario"] == 0 and row.loc[JUSTICE, "difference"] > 0
    assert row.loc[FINANCE, "difference"] < 0
    assert (row["difference_p10"] <= row["difference_p90"]).all()


def test_duplicate_scenario_names_are_an_error():
    question, model = fitted()
    with pytest.raises(ParamsError, match="names two scenarios"):
        compare(question, model, [scenario(rate(2)), scenario(rate(3))], PARAMS)
    with pytest.raises(ParamsError, match="'baseline' is the forecast without levers"):
        compare(question, model, [scenario(rate(2), name="baseline")], PARAMS)


# --- the command -----------------------------------------------------------------------------------------------------


def test_scenario_command_json_shape(capsys):
    files = [str(p) for p in EXAMPLES]
    assert main(["scenario", *files, "--sims", "300", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    predict_keys = {
        "as_of",
        "deadline",
        "model",
        "sims",
        "open_tasks",
        "slip",
        "split",
        "split_definition",
        "by_agency",
        "data_fingerprint",
        "synthetic",
    }
    assert set(out) == {"baseline", "scenarios"} and set(out["baseline"]) == predict_keys
    assert len(out["scenarios"]) == 3
    for entry in out["scenarios"]:
        assert set(entry) == predict_keys | {
            "scenario",
            "description",
            "file",
            "levers",
            "difference",
            "by_agency_difference",
            "warnings",
        }
        assert set(entry["difference"]) == {"mean", "p10", "p90"}
        assert entry["difference"]["p10"] <= entry["difference"]["mean"] <= entry["difference"]["p90"]
        assert set(entry["slip"]) == {"mean", "p10", "p50", "p90"} and entry["sims"] == 300
        assert all(
            set(a) == {"agency", "open", "slip_mean", "slip_p10", "slip_p90"} for a in entry["by_agency_difference"]
        )
    finance = next(e for e in out["scenarios"] if e["scenario"] == "Finance doubles its pace")
    # no new rows: the baseline beside it is the reported one, so the difference is the difference of the means
    assert finance["difference"]["mean"] == pytest.approx(
        finance["slip"]["mean"] - out["baseline"]["slip"]["mean"], abs=0.011
    )
    assert [a["agency"] for a in finance["by_agency_difference"]] == [FINANCE]


def test_scenario_command_table_and_params_default(capsys):
    params = paths.PARAMS_DIR / "baseline.yaml"
    assert main(["scenario", "--params", str(params), "--sims", "200"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "40 overdue tasks moved to 2026" in out and "80 % of runs between" in out


def test_scenario_command_errors_exit_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"name": "x", "levers": [rate(2, "Ministry of Finanse")]}), encoding="utf-8")
    assert main(["scenario", str(bad), "--sims", "100"]) == 2
    err = capsys.readouterr().err
    assert "'levers[1].agency'" in err and "Ministry of Finanse" in err and "Traceback" not in err
    assert main(["scenario", "--sims", "100"]) == 2
    assert "no scenario files" in capsys.readouterr().err
    assert main(["scenario", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_scenario_command_prints_warnings_to_stderr(tmp_path, capsys):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({"name": "w", "levers": [rate(2, "Ca Mau")]}), encoding="utf-8")  # none open
    assert main(["scenario", str(path), "--sims", "100"]) == 0
    captured = capsys.readouterr()
    assert "forecast scenario: warning: w: levers[1]: Ca Mau hold(s) no open task" in captured.err
    assert "! levers[1]: Ca Mau" in captured.out


@pytest.mark.parametrize("name", ["reference", "throughput"])
def test_every_model_takes_multipliers_with_common_random_numbers(name, tmp_path):
    params = replace(PARAMS, model=name)
    files = []
    for m in (1.0, 2.0, 4.0):
        files.append(tmp_path / f"x{m}.yaml")
        files[-1].write_text(yaml.safe_dump({"name": f"x{m}", "levers": [rate(m, FINANCE)]}), encoding="utf-8")
    comparison = compare_scenarios(params, files)
    assert (comparison.baseline.totals == forecast(params).totals).all()  # the baseline is predict's, this model
    same, double, quadruple = (r.forecast.totals for r in comparison.results)
    assert (same == comparison.baseline.totals).all()
    assert (double <= same).all() and (quadruple <= double).all() and quadruple.mean() < same.mean()


def test_a_scenario_that_changes_nothing_lists_no_agency(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({"name": "w", "levers": [rate(2, "Ca Mau")]}), encoding="utf-8")  # none open
    comparison = compare_scenarios(replace(PARAMS, sims=100), [path])
    assert comparison.results[0].agency_differences().empty  # not one row of blanks per agency
