import json
import multiprocessing
import os

import pandas as pd
import pytest

from forecast import load_snapshots
from forecast.cli import main
from forecast.config.params import parse_params
from forecast.data.cache import Cache, open_cache
from forecast.errors import ForecastError
from forecast.evaluation import backtest as backtest_module
from forecast.evaluation.backtest import cutoffs, run_backtest
from forecast.models import MODELS
from tests.helpers import write_exports


@pytest.fixture(scope="module")
def small(tmp_path_factory, small_frame):
    return write_exports(small_frame, tmp_path_factory.mktemp("bt") / "s")


def test_cutoffs_leave_room_for_the_outcome(bundled):
    snaps, _ = bundled
    pairs = cutoffs(snaps, 27)
    assert len(pairs) >= 8
    for cutoff, outcome in pairs:
        assert outcome >= cutoff + pd.Timedelta(days=27) and outcome <= snaps.dates[-1]
    assert pairs[0][0] == snaps.dates[7]


@pytest.mark.slow
def test_a_later_snapshot_edited_does_not_change_earlier_cutoffs(small):
    before = run_backtest(load_snapshots(small), 14, models=["hazard", "reference"], sims=300, min_history=4)
    last = sorted(small.glob("*.parquet"))[-1]
    edited = pd.read_parquet(last)
    edited.loc[edited["status"].isin(["in_progress", "overdue"]), "status"] = "completed_late"
    edited["agency"] = "Renamed"
    edited.to_parquet(last, index=False)
    after = run_backtest(load_snapshots(small), 14, models=["hazard", "reference"], sims=300, min_history=4)
    edited_day = pd.Timestamp(last.stem.split("_")[1])
    untouched = before.frame["outcome_date"] < edited_day
    assert untouched.sum() >= 4
    pd.testing.assert_frame_equal(
        before.frame.loc[untouched].reset_index(drop=True),
        after.frame.loc[after.frame["outcome_date"] < edited_day].reset_index(drop=True),
    )
    # and the edit does reach the cutoff scored against that snapshot
    assert not before.frame.loc[~untouched, "observed"].equals(after.frame.loc[~untouched, "observed"])


@pytest.mark.slow
def test_scores_and_best(sample_backtest):
    bt = sample_backtest
    table = bt.scores()
    assert set(table["model"]) == set(MODELS)
    assert table["crps"].is_monotonic_increasing and bt.best == table["model"].iloc[0]
    assert table[["coverage50", "coverage80", "coverage90"]].apply(lambda r: r.is_monotonic_increasing, axis=1).all()
    frame = bt.frame
    for row in table.itertuples():  # bias: the mean signed error, never larger than the mean absolute error
        mine = frame.loc[frame["model"] == row.model]
        assert row.bias == pytest.approx((mine["slip_mean"] - mine["observed"]).mean())
        assert abs(row.bias) <= row.mae + 1e-9
    assert len(bt.pit("hazard")) == 10
    assert bt.reliability("hazard")["tasks"].sum() == (bt.tasks["model"] == "hazard").sum()


@pytest.mark.slow
def test_cli_json_and_out_file_reuse_the_cached_cutoffs(sample_backtest, tmp_path, capsys):
    out = tmp_path / "bt.csv"
    store = open_cache(parse_params({}))  # the one the CLI opens: its counts cover this process
    hits, misses = store.hits, store.misses
    assert (
        main(
            [
                "backtest",
                "--json",
                "--models",
                "hazard,reference",
                "--sims",
                "500",
                "--horizon",
                "27",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["horizon_days"] == 27 and result["origins"] == sample_backtest.origins
    assert {m["model"] for m in result["models"]} == {"hazard", "reference"}
    assert set(result["models"][0]) == {
        "model",
        "bias",
        "mae",
        "crps",
        "coverage50",
        "coverage80",
        "coverage90",
        "brier",
    }
    assert result["best"] in {"hazard", "reference"}
    frame = pd.read_csv(out)
    assert {"cutoff", "model", "outcome_date", "observed", "crps"} <= set(frame.columns)
    assert frame["cutoff"].nunique() == len(result["origins"])
    # every (cutoff, model) came from the session's backtest through the cache, and the scores are its own
    assert (store.hits - hits, store.misses - misses) == (2 * len(result["origins"]), 0)
    assert f"forecast backtest: cache {os.environ['FORECAST_CACHE']}: {store.hits} hits" in captured.err
    ours = sample_backtest.frame.loc[sample_backtest.frame["model"].isin(["hazard", "reference"])]
    assert frame["crps"].tolist() == ours["crps"].round(2).tolist()  # as the pages show them (CSV, #25)


def test_bad_arguments(bundled):
    snaps, _ = bundled
    with pytest.raises(ForecastError, match="unknown model"):
        run_backtest(snaps, 27, models=["prophet"])
    with pytest.raises(ForecastError, match="no cutoff"):
        run_backtest(snaps, 400)
    assert main(["backtest", "--models", "nope"]) == 2


def test_cutoffs_on_two_processes_give_the_numbers_of_one(small, tmp_path):
    snaps = load_snapshots(small)
    args = dict(horizon_days=14, models=["hazard", "reference"], sims=300, min_history=4)
    one = run_backtest(snaps, **args, jobs=1)
    store = Cache(tmp_path / "cache")
    two = run_backtest(snaps, **args, jobs=2, cache=store)
    pd.testing.assert_frame_equal(one.frame, two.frame)
    pd.testing.assert_frame_equal(one.tasks, two.tasks)
    assert one.draws.keys() == two.draws.keys()
    assert all((one.draws[k] == two.draws[k]).all() for k in one.draws)
    # the parent wrote every (cutoff, model) the workers computed: a second run computes nothing
    assert store.misses == len(one.frame) == len(list((tmp_path / "cache").glob("backtest-*.pkl")))
    again = Cache(tmp_path / "cache")
    pd.testing.assert_frame_equal(run_backtest(snaps, **args, jobs=2, cache=again).frame, one.frame)
    assert (again.hits, again.misses) == (len(one.frame), 0)


def test_a_models_error_in_a_worker_reaches_the_caller(small, monkeypatch):
    def fails(*args, **kwargs):
        raise ForecastError("the model cannot answer this cutoff")

    monkeypatch.setattr(backtest_module, "_simulated", fails)  # the forked workers inherit the patch
    with pytest.raises(ForecastError, match="cannot answer this cutoff"):
        run_backtest(load_snapshots(small), 14, models=["hazard"], sims=50, min_history=4, jobs=2)


def test_the_callers_work_runs_once_beside_the_workers_and_changes_no_number(small, tmp_path):
    snaps = load_snapshots(small)
    args = dict(horizon_days=14, models=["hazard"], sims=200, min_history=4)
    seen: list[int] = []

    def meanwhile():  # the workers are forked and busy while the caller's own work runs
        seen.append(len(multiprocessing.active_children()))

    store = Cache(tmp_path / "cache")
    beside = run_backtest(snaps, **args, jobs=2, cache=store, meanwhile=meanwhile)
    assert seen == [2]
    pd.testing.assert_frame_equal(beside.frame, run_backtest(snaps, **args, jobs=1).frame)
    # nothing left to compute (every cutoff cached): the work still runs, once, here
    run_backtest(snaps, **args, jobs=2, cache=Cache(tmp_path / "cache"), meanwhile=meanwhile)
    assert seen == [2, 0]
    # the week after: one new cutoff runs on one worker, beside the work; on one process, here after the work
    week = Cache(tmp_path / "week")
    run_backtest(snaps.until(snaps.dates[-2]), **args, jobs=2, cache=week)
    after = run_backtest(snaps, **args, jobs=2, cache=Cache(tmp_path / "week"), meanwhile=meanwhile)
    assert seen == [2, 0, 1]
    pd.testing.assert_frame_equal(after.frame, beside.frame)
    run_backtest(snaps, **args, jobs=1, cache=Cache(tmp_path / "none"), meanwhile=meanwhile)
    assert seen == [2, 0, 1, 0]
