"""The cache of fitted models and backtest cutoffs: keyed by exactly the data, settings and code a result depends on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from forecast import load_snapshots
from forecast.combine import by_as_of
from forecast.config.params import parse_params
from forecast.data import cache as cache_module
from forecast.data.cache import Cache, data_fingerprint, open_cache
from forecast.data.question import year_end
from forecast.engine.predict import fit
from forecast.errors import ForecastError
from forecast.evaluation.backtest import run_backtest
from tests.helpers import write_exports

RUNS = {"horizon_days": 14, "models": ["reference", "throughput"], "sims": 100, "min_history": 4}


@pytest.fixture
def exports(tmp_path, small_frame):
    return write_exports(small_frame, tmp_path / "exports")


def _edit(path, status="completed_late"):
    """Mark every open task of one export completed (a changed snapshot)."""
    table = pd.read_parquet(path)
    table.loc[table["status"].isin(["in_progress", "overdue"]), "status"] = status
    table.to_parquet(path, index=False)


def test_a_snapshot_changed_after_a_cutoffs_outcome_date_leaves_it_cached_and_one_before_does_not(tmp_path, exports):
    store = Cache(tmp_path / "cache")
    first = run_backtest(load_snapshots(exports), cache=store, **RUNS)
    n = len(first.frame)
    assert (store.hits, store.misses) == (0, n)

    files = sorted(exports.glob("*.parquet"))
    _edit(files[-1])
    edited_day = pd.Timestamp(files[-1].stem.split("_")[1])
    store = Cache(tmp_path / "cache")
    second = run_backtest(load_snapshots(exports), cache=store, **RUNS)
    before = (first.frame["outcome_date"] < edited_day).to_numpy()
    assert before.sum() >= 4 and (~before).sum() >= 1
    assert (store.hits, store.misses) == (before.sum(), (~before).sum())
    pd.testing.assert_frame_equal(first.frame.loc[before], second.frame.loc[before])
    assert not first.frame.loc[~before, "observed"].equals(second.frame.loc[~before, "observed"])

    _edit(files[1])  # before every cutoff: nothing cached fits the data any more
    store = Cache(tmp_path / "cache")
    run_backtest(load_snapshots(exports), cache=store, **RUNS)
    assert (store.hits, store.misses) == (0, n)


def test_cached_backtest_results_are_the_computed_ones(tmp_path, exports):
    snaps = load_snapshots(exports)
    plain = run_backtest(snaps, **RUNS)
    store = Cache(tmp_path / "cache")
    run_backtest(snaps, cache=store, **RUNS)
    again = run_backtest(load_snapshots(exports), cache=store, **RUNS)
    assert store.hits == len(plain.frame)
    pd.testing.assert_frame_equal(plain.frame, again.frame)
    pd.testing.assert_frame_equal(plain.tasks, again.tasks)
    assert plain.draws.keys() == again.draws.keys()
    assert all(np.array_equal(plain.draws[k], again.draws[k]) for k in plain.draws)


def test_other_settings_runs_or_seed_are_other_entries(tmp_path, exports):
    snaps = load_snapshots(exports)
    store = Cache(tmp_path / "cache")
    run_backtest(snaps, cache=store, **RUNS)
    n = store.misses
    run_backtest(snaps, cache=store, **{**RUNS, "seed": 7})
    run_backtest(snaps, cache=store, **{**RUNS, "sims": 101})
    run_backtest(snaps, cache=store, settings={"window": 5}, **RUNS)  # throughput's window: only its entries
    assert store.hits == n // 2 and store.misses == n + n + n + n // 2


def test_a_corrupt_or_truncated_entry_is_recomputed_not_a_crash(tmp_path, exports):
    snaps = load_snapshots(exports)
    store = Cache(tmp_path / "cache")
    good = run_backtest(snaps, cache=store, **RUNS)
    entries = sorted((tmp_path / "cache").glob("backtest-*.pkl"))
    entries[0].write_bytes(entries[0].read_bytes()[:40])
    entries[1].write_bytes(b"not a pickle")
    store = Cache(tmp_path / "cache")
    again = run_backtest(snaps, cache=store, **RUNS)
    assert store.misses == 2
    pd.testing.assert_frame_equal(good.frame, again.frame)
    store = Cache(tmp_path / "cache")
    run_backtest(snaps, cache=store, **RUNS)
    assert store.misses == 0  # and they were written again


def test_a_code_change_starts_afresh(tmp_path, exports, monkeypatch):
    snaps = load_snapshots(exports)
    store = Cache(tmp_path / "cache")
    run_backtest(snaps, cache=store, **RUNS)
    monkeypatch.setattr(cache_module, "_VERSION", ["another version"])
    run_backtest(snaps, cache=store, **RUNS)
    assert store.hits == 0


def test_the_data_fingerprint_covers_exactly_the_snapshots_up_to_a_date(tmp_path, small_frame):
    exports = write_exports(small_frame, tmp_path / "a")
    snaps = load_snapshots(exports)
    dates = snaps.dates
    files = sorted(exports.glob("*.parquet"))
    _edit(files[5])
    edited = load_snapshots(exports)
    assert data_fingerprint(edited, dates[4]) == data_fingerprint(snaps, dates[4])
    assert data_fingerprint(edited, dates[5]) != data_fingerprint(snaps, dates[5])
    assert data_fingerprint(snaps, dates[4]) != data_fingerprint(snaps, dates[5])
    # snapshots built from a frame (no files): the rows themselves
    from forecast.data.snapshots import from_frame

    frame = small_frame.copy()
    a = from_frame(frame)
    frame.loc[frame["snapshot_date"] == dates[5], "status"] = "completed_late"
    b = from_frame(frame)
    assert data_fingerprint(a, dates[4]) == data_fingerprint(b, dates[4])
    assert data_fingerprint(a, dates[5]) != data_fingerprint(b, dates[5])


def test_predict_reuses_a_fit_and_gives_the_same_forecast(tmp_path, exports):
    params = parse_params({"snapshots": str(exports), "cache": str(tmp_path / "cache"), "sims": 200, "model": "hazard"})
    store = open_cache(params)
    _, m1 = fit(params, load_snapshots(exports))
    _, m2 = fit(params, load_snapshots(exports))
    assert (store.hits, store.misses) == (1, 1)
    assert m1 is not m2 and np.array_equal(m1.posterior_.mode, m2.posterior_.mode)
    labels = parse_params(
        {
            "snapshots": str(exports),
            "cache": str(tmp_path / "cache"),
            "status_labels": {"Đã xong": "completed_on_time"},
            "model": "hazard",
        }
    )
    fit(labels, load_snapshots(exports))  # read with other labels: another entry
    assert open_cache(labels).misses == 1


def test_forecasts_by_as_of_date_the_week_after_compute_only_the_new_date_and_equal_the_uncached(tmp_path, exports):
    files = sorted(exports.glob("*.parquet"))
    last = files[-1].rename(tmp_path / files[-1].name)  # the week before: without the last export
    params = parse_params({"snapshots": str(exports), "cache": str(tmp_path / "cache"), "sims": 200, "model": "hazard"})
    store = open_cache(params)
    before = load_snapshots(exports)
    by_as_of(params, before, before.dates[-4:])
    assert (store.hits, store.misses) == (0, 8)  # each date's row and its fit
    assert len(list((tmp_path / "cache").glob("as-of-*.pkl"))) == 4

    last.rename(exports / last.name)  # the week after: one new snapshot
    after = load_snapshots(exports)
    dates = after.dates[-4:]
    cached = by_as_of(params, after, dates)
    assert (store.hits, store.misses) == (3, 10)  # three rows found; the new date's row and fit computed
    deadline = year_end(dates[-1]).date()  # the deadline the uncached call derives from its dates
    pd.testing.assert_frame_equal(cached, by_as_of(params, after, dates, cached=False))
    assert cached["as_of"].astype(str).tolist() == [str(d.date()) for d in dates] and params.deadline is None
    assert by_as_of(replace(params, deadline=deadline), after, dates).equals(cached)

    table = pd.read_parquet(files[-3])  # a corrected snapshot (one task completed): the rows as of it and after it
    table.loc[table["status"].eq("in_progress").idxmax(), "status"] = "completed_late"  # are computed again
    table.to_parquet(files[-3], index=False)
    store.hits = store.misses = 0
    corrected = by_as_of(params, load_snapshots(exports), dates)
    assert (store.hits, store.misses) == (1, 6)
    pd.testing.assert_frame_equal(corrected, by_as_of(params, load_snapshots(exports), dates, cached=False))
    assert not corrected.equals(cached)
    store.hits = store.misses = 0
    by_as_of(replace(params, sims=300), after, dates[-1:])  # other runs: another row, same fit
    assert (store.hits, store.misses) == (1, 1)


def test_cache_off_and_where_it_may_be(tmp_path, exports):
    off = parse_params({"snapshots": str(exports), "cache": False, "model": "hazard"})
    assert open_cache(off).folder is None
    fit(off, load_snapshots(exports))
    assert open_cache(off).summary() == "cache off"
    inside = parse_params({"snapshots": str(exports), "cache": str(exports / "c")})
    with pytest.raises(ForecastError, match="inside the snapshot folder"):
        open_cache(inside)
    relative = parse_params({"cache": "kept"}, base=tmp_path)
    assert relative.cache == tmp_path / "kept"
    assert parse_params({"cache": True}).cache is None


def test_an_unwritable_cache_is_a_warning_and_the_run_goes_on(tmp_path, exports, capsys):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    store = Cache(blocked / "cache")
    result = run_backtest(load_snapshots(exports), cache=store, **RUNS)
    assert len(result.frame) == store.misses
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1 and str(blocked / "cache") in err
    assert blocked.read_text(encoding="utf-8").startswith("a file")


def test_the_cli_counts_hits_and_misses_on_stderr(tmp_path, exports, capsys):
    from forecast.cli import main

    params = tmp_path / "p.yaml"
    params.write_text(f"snapshots: {exports}\ncache: {tmp_path / 'cache'}\nsims: 100\n", encoding="utf-8")
    assert main(["predict", "--params", str(params), "--json", "--model", "hazard"]) == 0
    assert "cache " in capsys.readouterr().err
    assert main(["predict", "--params", str(params), "--json", "--model", "hazard"]) == 0
    assert f"forecast predict: cache {tmp_path / 'cache'}: 1 hit" in capsys.readouterr().err
    # the combined headline: every stacking cutoff and component fit is looked up, and found the second time
    assert main(["predict", "--params", str(params), "--json"]) == 0
    first = capsys.readouterr().err
    assert main(["predict", "--params", str(params), "--json"]) == 0
    second = capsys.readouterr().err
    mine = [next(line for line in t.splitlines() if f"cache {tmp_path / 'cache'}:" in line) for t in (first, second)]
    hits = [int(t.split(" hit")[0].rsplit(" ", 1)[1]) for t in mine]
    misses = [int(t.split(" miss")[0].rsplit(" ", 1)[1]) for t in mine]
    # counts are per process: before these two runs, 1 miss and 1 hit (the hazard-only runs above)
    lookups = (misses[0] - 1) + (hits[0] - 1)  # the first combined run: new entries, and the hazard fit found
    assert hits[0] - 1 == 1 and misses[0] - 1 >= 5  # stacking cutoffs x components, and the other fits
    assert misses[1] == misses[0] and hits[1] - hits[0] == lookups  # the second finds every one
